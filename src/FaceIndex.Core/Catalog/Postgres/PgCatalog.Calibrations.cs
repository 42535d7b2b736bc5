using Npgsql;

namespace FaceIndex.Catalog.Postgres;

/// <summary>Calibrations in a PostgreSQL library, with the SQLite catalog's meaning (the latest of a scope is in force).</summary>
public sealed partial class PgCatalog
{
    /// <inheritdoc/>
    public long AddCalibration(string modelId, string? dataset, double threshold, string chosen, string source, string detailsJson)
    {
        ArgumentNullException.ThrowIfNull(modelId);
        return Run("store a calibration", c =>
        {
            using var cmd = new NpgsqlCommand(
                """
                INSERT INTO calibrations (model, dataset, threshold, chosen, source, created_at, details)
                VALUES (@m, @d, @t, @c, @s, fi_now_ms(), @j) RETURNING id
                """,
                c);
            cmd.Parameters.AddWithValue("m", modelId);
            cmd.Parameters.Add(TextParameter("d", dataset));
            cmd.Parameters.AddWithValue("t", threshold);
            cmd.Parameters.AddWithValue("c", chosen);
            cmd.Parameters.AddWithValue("s", source);
            cmd.Parameters.AddWithValue("j", detailsJson);
            return (long)cmd.ExecuteScalar()!;
        });
    }

    /// <inheritdoc/>
    public StoredCalibration? CurrentCalibration(string modelId, string? dataset = null) => Calibrations(
        """
        SELECT id, model, dataset, threshold, chosen, source, created_at, details FROM calibrations
        WHERE model = @m AND (dataset IS NULL OR dataset = @d)
        ORDER BY dataset IS NULL, id DESC LIMIT 1
        """,
        cmd =>
        {
            cmd.Parameters.AddWithValue("m", modelId);
            cmd.Parameters.Add(TextParameter("d", dataset));
        }).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<StoredCalibration> CurrentCalibrations() => Calibrations(
        """
        SELECT id, model, dataset, threshold, chosen, source, created_at, details FROM calibrations c
        WHERE id = (SELECT max(id) FROM calibrations o WHERE o.model = c.model AND o.dataset IS NOT DISTINCT FROM c.dataset)
        ORDER BY id DESC
        """,
        _ => { });

    /// <summary>Every calibration stored, oldest first (what an index folder copies).</summary>
    internal IReadOnlyList<StoredCalibration> AllCalibrations() => Calibrations(
        "SELECT id, model, dataset, threshold, chosen, source, created_at, details FROM calibrations ORDER BY id", _ => { });

    private List<StoredCalibration> Calibrations(string sql, Action<NpgsqlCommand> bind) => Run("read the calibrations", c =>
    {
        using var cmd = new NpgsqlCommand(sql, c);
        bind(cmd);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredCalibration>();
        while (r.Read())
        {
            list.Add(new StoredCalibration(
                r.GetInt64(0), r.GetString(1), Text(r, 2), r.GetDouble(3), r.GetString(4), r.GetString(5),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)), r.GetString(7)));
        }

        return list;
    });
}
