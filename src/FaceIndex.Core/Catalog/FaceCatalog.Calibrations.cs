using System.Globalization;

namespace FaceIndex.Catalog;

/// <summary>Calibrations: stored by <c>faceindex calibrate</c>, read by the threshold resolver.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>Stores a calibration for <paramref name="modelId"/> (and <paramref name="dataset"/>, when given); returns its id.</summary>
    public long AddCalibration(string modelId, string? dataset, double threshold, string chosen, string source, string detailsJson)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return Write("store a calibration", tx =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO calibrations (model, dataset, threshold, chosen, source, created_at, details)
                VALUES ($m, $d, $t, $c, $s, $now, $j) RETURNING id
                """;
            cmd.Parameters.AddWithValue("$m", modelId);
            cmd.Parameters.AddWithValue("$d", (object?)dataset ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$t", threshold);
            cmd.Parameters.AddWithValue("$c", chosen);
            cmd.Parameters.AddWithValue("$s", source);
            cmd.Parameters.AddWithValue("$now", NowMs());
            cmd.Parameters.AddWithValue("$j", detailsJson);
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    /// <summary>
    /// The calibration in force for <paramref name="modelId"/>: the latest for <paramref name="dataset"/> when one is given and exists,
    /// else the latest for the model as a whole; null when there is none.
    /// </summary>
    public StoredCalibration? CurrentCalibration(string modelId, string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT id, model, dataset, threshold, chosen, source, created_at, details FROM calibrations
            WHERE model = $m AND (dataset IS NULL OR dataset = $d)
            ORDER BY dataset IS NULL, id DESC LIMIT 1
            """;
        cmd.Parameters.AddWithValue("$m", modelId);
        cmd.Parameters.AddWithValue("$d", (object?)dataset ?? DBNull.Value);
        return ReadCalibrations(cmd).FirstOrDefault();
    }

    /// <summary>The calibration in force for every scope (model, or model and dataset), newest first.</summary>
    public IReadOnlyList<StoredCalibration> CurrentCalibrations()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT id, model, dataset, threshold, chosen, source, created_at, details FROM calibrations c
            WHERE id = (SELECT max(id) FROM calibrations o WHERE o.model = c.model AND o.dataset IS c.dataset)
            ORDER BY id DESC
            """;
        return ReadCalibrations(cmd);
    }

    /// <summary>Every labelled subject face of every dataset (or of one), with its dataset, for identity templates.</summary>
    public IReadOnlyList<(long FaceId, string Dataset, string Identity, float[] Embedding)> LabelledSubjectsAll(string modelId, string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT id, name, identity, embedding FROM (
              SELECT f.id, d.name, i.identity, {ModelEmbeddingSql} AS embedding FROM faces f
              JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
              WHERE ($d IS NULL OR d.name = $d) AND f.is_subject = 1 AND i.identity IS NOT NULL)
            WHERE embedding IS NOT NULL ORDER BY id
            """;
        cmd.Parameters.AddWithValue("$mk", ModelKeyOf(modelId) ?? -1);
        cmd.Parameters.AddWithValue("$d", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<(long, string, string, float[])>();
        while (r.Read())
        {
            var embedding = FaceBlobs.DecodeEmbedding((byte[])r.GetValue(3));
            list.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), embedding));
        }

        return list;
    }

    private static List<StoredCalibration> ReadCalibrations(Microsoft.Data.Sqlite.SqliteCommand cmd)
    {
        using var r = cmd.ExecuteReader();
        var list = new List<StoredCalibration>();
        while (r.Read())
        {
            list.Add(new StoredCalibration(
                r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2), r.GetDouble(3), r.GetString(4), r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetString(7)));
        }

        return list;
    }
}
