using System.Globalization;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// The faces (id and raw embedding bytes, one row per model the face has an embedding of) that a removal of <paramref name="value"/> would delete, read before
    /// the removal so that it can be checked afterwards that their bytes are nowhere. Mirrors the removals' WHERE.
    /// </summary>
    public IReadOnlyList<(long FaceId, byte[] Embedding)> EmbeddingsCoveredBy(string dataset, RemovalKind kind, string value)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        var where = kind == RemovalKind.Identity
            ? "d.name = $n AND i.identity = $v"
            : "(d.name = $n AND i.rel_path = $v) OR i.sha256 = (SELECT i2.sha256 FROM images i2 JOIN datasets d2 ON d2.id = i2.dataset_id WHERE d2.name = $n AND i2.rel_path = $v)";
        cmd.CommandText = $"""
            SELECT f.id, f.embedding FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            WHERE ({where}) AND f.embedding IS NOT NULL
            UNION ALL
            SELECT e.face_id, e.embedding FROM face_embeddings e JOIN faces f ON f.id = e.face_id JOIN images i ON i.id = f.image_id
            JOIN datasets d ON d.id = i.dataset_id WHERE ({where})
            ORDER BY 1
            """;
        cmd.Parameters.AddWithValue("$n", dataset);
        cmd.Parameters.AddWithValue("$v", value);
        using var r = cmd.ExecuteReader();
        var list = new List<(long, byte[])>();
        while (r.Read())
        {
            list.Add((r.GetInt64(0), (byte[])r.GetValue(1)));
        }

        return list;
    }

    /// <summary>
    /// Makes SQLite overwrite deleted content with zeros from now on in this connection (PRAGMA secure_delete), so a
    /// removed face's embedding does not linger in a free page or a freed cell.
    /// </summary>
    public void EnableSecureDelete()
    {
        EnsureWritable("turn on secure delete");
        Execute(_connection, "PRAGMA secure_delete = ON");
    }

    /// <summary>Rewrites the whole catalog file (VACUUM): no free page is left; slow on a large catalog, so a fallback.</summary>
    public void Vacuum()
    {
        EnsureWritable("vacuum the catalog");
        Execute(_connection, "VACUUM");
        Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
    }

    /// <summary>The files SQLite keeps for this catalog that exist now (the database, its WAL and shared-memory file).</summary>
    public IReadOnlyList<string> Files() =>
        [.. new[] { DatabasePath, DatabasePath + "-wal", DatabasePath + "-shm" }.Where(File.Exists)];

    /// <summary>How many bytes the free pages of the catalog hold (0 after a VACUUM).</summary>
    public long FreeBytes()
    {
        ThrowIfDisposed();
        var free = Convert.ToInt64(Scalar(_connection, "PRAGMA freelist_count"), CultureInfo.InvariantCulture);
        var page = Convert.ToInt64(Scalar(_connection, "PRAGMA page_size"), CultureInfo.InvariantCulture);
        return free * page;
    }
}
