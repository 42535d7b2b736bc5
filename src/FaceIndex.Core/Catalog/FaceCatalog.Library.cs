using System.Globalization;

namespace FaceIndex.Catalog;

/// <summary>Reads the library commands (info, query) need beyond the core ones.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>How many faces have an id above <paramref name="faceId"/> (the index's delta).</summary>
    public long CountFacesAfter(long faceId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM faces WHERE id > $id";
        cmd.Parameters.AddWithValue("$id", faceId);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Every failed image with its reason and message, by dataset and path.</summary>
    public IReadOnlyList<StoredImage> FailedImages(string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.status = 'failed' AND ($n IS NULL OR d.name = $n) ORDER BY d.name, i.rel_path";
        cmd.Parameters.AddWithValue("$n", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredImage>();
        while (r.Read())
        {
            list.Add(CatalogRows.ReadImage(r));
        }

        return list;
    }

    /// <summary>The subject faces of a dataset that have an identity label, with their embeddings, in face-id order.</summary>
    public IReadOnlyList<(long FaceId, string Identity, float[] Embedding)> LabelledSubjects(string dataset, string modelId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT id, identity, embedding FROM (
              SELECT f.id, i.identity, {ModelEmbeddingSql} AS embedding FROM faces f
              JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
              WHERE d.name = $d AND f.is_subject = 1 AND i.identity IS NOT NULL)
            WHERE embedding IS NOT NULL ORDER BY id
            """;
        cmd.Parameters.AddWithValue("$d", dataset);
        cmd.Parameters.AddWithValue("$mk", ModelKeyOf(modelId) ?? -1);
        using var r = cmd.ExecuteReader();
        var list = new List<(long, string, float[])>();
        while (r.Read())
        {
            var embedding = FaceBlobs.DecodeEmbedding((byte[])r.GetValue(2));
            list.Add((r.GetInt64(0), r.GetString(1), embedding));
        }

        return list;
    }
}
