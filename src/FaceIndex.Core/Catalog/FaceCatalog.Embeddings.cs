using System.Globalization;
using FaceIndex.Detection;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

/// <summary>A stored face whose embedding of some model is missing: what the re-embedding needs (box and landmark blob).</summary>
internal sealed record LandmarkFace(long FaceId, FaceBox Box, byte[] Landmarks);

/// <summary>An indexed image with the faces that lack a model's embedding, and the hash the file must still have.</summary>
internal sealed record LandmarkImage(long ImageId, string RelPath, byte[] Sha256, long SizeBytes, IReadOnlyList<LandmarkFace> Faces);

/// <summary>
/// Several models' embeddings of the same faces (schema v3): faces.embedding holds the model a face was first embedded with,
/// face_embeddings the others. Readers ask for a model and get its vectors from either place.
/// </summary>
public sealed partial class FaceCatalog
{
    /// <summary>The meta key naming the library's default model (the model it was first indexed with).</summary>
    public const string DefaultModelKey = "default-model";

    /// <summary>
    /// The embedding of the model with key $mk for face f, from either place (null when the face has none of that model).
    /// A face embedded first with the model takes the first branch without a lookup, so the default model reads as before.
    /// </summary>
    private const string ModelEmbeddingSql =
        "CASE WHEN f.model_id = $mk THEN f.embedding ELSE (SELECT e.embedding FROM face_embeddings e WHERE e.face_id = f.id AND e.model_id = $mk) END";

    /// <summary>
    /// The library's default model id: the one recorded when it was first indexed, else (a library written before that was
    /// recorded, or an index folder made from PostgreSQL) the model of its first embedded face; null for an empty library.
    /// </summary>
    public string? DefaultModelId()
    {
        ThrowIfDisposed();
        if (GetMeta(DefaultModelKey) is { } recorded)
        {
            return recorded;
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT m.name FROM faces f JOIN models m ON m.id = f.model_id WHERE f.embedding IS NOT NULL ORDER BY f.id LIMIT 1";
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Records <paramref name="modelId"/> as the default model unless one is recorded already (or the library holds faces of another).</summary>
    public void EnsureDefaultModel(string modelId)
    {
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        if (GetMeta(DefaultModelKey) is null)
        {
            SetMeta(DefaultModelKey, DefaultModelId() ?? modelId);
        }
    }

    /// <summary>How many faces have an embedding of <paramref name="modelId"/> (optionally only faces with ids above <paramref name="afterFaceId"/>).</summary>
    public long CountEmbeddings(string modelId, long afterFaceId = 0)
    {
        ThrowIfDisposed();
        if (ModelKeyOf(modelId) is not { } key)
        {
            return 0;
        }

        using var cmd = _connection.CreateCommand();
        // A face row with a model always has its embedding (CommitBatch writes both or neither), so faces_model answers this alone.
        cmd.CommandText = """
            SELECT (SELECT count(*) FROM faces WHERE model_id = $mk AND id > $after)
                 + (SELECT count(*) FROM face_embeddings WHERE model_id = $mk AND face_id > $after)
            """;
        cmd.Parameters.AddWithValue("$mk", key);
        cmd.Parameters.AddWithValue("$after", afterFaceId);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Whether any face has an embedding of <paramref name="modelId"/> (one index probe per place).</summary>
    public bool HasEmbeddings(string modelId)
    {
        ThrowIfDisposed();
        if (ModelKeyOf(modelId) is not { } key)
        {
            return false;
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT EXISTS (SELECT 1 FROM faces WHERE model_id = $mk) OR EXISTS (SELECT 1 FROM face_embeddings WHERE model_id = $mk)";
        cmd.Parameters.AddWithValue("$mk", key);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    /// <summary>Every model the library holds embeddings of, with how many faces each covers, default model first.</summary>
    public IReadOnlyList<(string ModelId, long Faces)> EmbeddedModels()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT m.name, (SELECT count(*) FROM faces f WHERE f.model_id = m.id)
                         + (SELECT count(*) FROM face_embeddings e WHERE e.model_id = m.id)
            FROM models m ORDER BY m.name
            """;
        var list = new List<(string, long)>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (r.GetInt64(1) > 0)
                {
                    list.Add((r.GetString(0), r.GetInt64(1)));
                }
            }
        }

        var first = DefaultModelId();
        return [.. list.OrderBy(m => string.Equals(m.Item1, first, StringComparison.Ordinal) ? 0 : 1)];
    }

    /// <summary>
    /// The <paramref name="modelId"/> embeddings of those of <paramref name="faceIds"/> still in the catalog, by id (faces removed,
    /// or without that model's embedding, are absent): what a search over that model's index re-measures its candidates with.
    /// </summary>
    public void ReadEmbeddings(string modelId, ReadOnlySpan<long> faceIds, Dictionary<long, float[]> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        ThrowIfDisposed();
        if (faceIds.IsEmpty || ModelKeyOf(modelId) is not { } key)
        {
            return;
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT f.id, {ModelEmbeddingSql} FROM faces f WHERE f.id IN (SELECT value FROM json_each($ids))";
        cmd.Parameters.AddWithValue("$ids", IdsJson(faceIds));
        cmd.Parameters.AddWithValue("$mk", key);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            if (!r.IsDBNull(1))
            {
                into[r.GetInt64(0)] = FaceBlobs.DecodeEmbedding((byte[])r.GetValue(1));
            }
        }
    }

    /// <summary>The catalog's key of <paramref name="modelId"/>, or null when no embedding of it was ever stored.</summary>
    private long? ModelKeyOf(string modelId)
    {
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id FROM models WHERE name = $n";
        cmd.Parameters.AddWithValue("$n", modelId);
        return cmd.ExecuteScalar() is long id ? id : null;
    }

    /// <summary>
    /// The ok images of <paramref name="dataset"/> with the faces that have landmarks but no <paramref name="modelId"/> embedding,
    /// in image order: the work of a re-embedding run (whatever a killed run committed is not listed again).
    /// </summary>
    internal IReadOnlyList<LandmarkImage> ImagesMissingEmbedding(string dataset, string modelId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT i.id, i.rel_path, i.sha256, i.size_bytes, f.id, f.box_l, f.box_t, f.box_r, f.box_b, f.landmarks
            FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            WHERE d.name = $d AND i.status = 'ok' AND f.landmarks IS NOT NULL AND i.sha256 IS NOT NULL
              AND f.model_id IS NOT $mk
              AND NOT EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id AND e.model_id = $mk)
            ORDER BY i.id, f.face_index
            """;
        cmd.Parameters.AddWithValue("$d", dataset);
        cmd.Parameters.AddWithValue("$mk", ModelKeyOf(modelId) ?? -1);
        using var r = cmd.ExecuteReader();
        var images = new List<LandmarkImage>();
        List<LandmarkFace>? faces = null;
        while (r.Read())
        {
            var imageId = r.GetInt64(0);
            if (images.Count == 0 || images[^1].ImageId != imageId)
            {
                faces = [];
                images.Add(new LandmarkImage(imageId, r.GetString(1), (byte[])r.GetValue(2), r.GetInt64(3), faces));
            }

            faces!.Add(new LandmarkFace(r.GetInt64(4), new FaceBox(r.GetInt32(5), r.GetInt32(6), r.GetInt32(7), r.GetInt32(8)), (byte[])r.GetValue(9)));
        }

        return images;
    }

    /// <summary>
    /// Stores <paramref name="modelId"/> embeddings of stored faces in one transaction. A face removed meanwhile, or one that has
    /// the model's embedding already, is left as it is, so a rerun after a kill never doubles anything. Returns the rows added.
    /// </summary>
    internal int CommitEmbeddings(string modelId, IReadOnlyList<(long FaceId, float[] Embedding)> embeddings)
    {
        ArgumentNullException.ThrowIfNull(embeddings);
        if (embeddings.Count == 0)
        {
            return 0;
        }

        var dimension = embeddings[0].Embedding.Length;
        return Write("store " + embeddings.Count.ToString(CultureInfo.InvariantCulture) + " embeddings of " + modelId, tx =>
        {
            var model = ModelKey(modelId, dimension, tx);
            using var insert = _connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT OR IGNORE INTO face_embeddings (face_id, model_id, embedding)
                SELECT $f, $mk, $e WHERE EXISTS (SELECT 1 FROM faces WHERE id = $f AND model_id IS NOT $mk)
                """;
            var pFace = insert.Parameters.Add("$f", SqliteType.Integer);
            var pEmbedding = insert.Parameters.Add("$e", SqliteType.Blob);
            insert.Parameters.AddWithValue("$mk", model.Id);
            var added = 0;
            foreach (var (faceId, embedding) in embeddings)
            {
                if (embedding.Length != model.Dimension)
                {
                    throw new CatalogException(string.Create(CultureInfo.InvariantCulture,
                        $"face {faceId}: a {embedding.Length}-d embedding, but the catalog holds {model.Dimension}-d ones for model {modelId}: a model id must name one embedding size."));
                }

                pFace.Value = faceId;
                pEmbedding.Value = FaceBlobs.EncodeEmbedding(embedding);
                added += insert.ExecuteNonQuery();
            }

            return added;
        });
    }

}
