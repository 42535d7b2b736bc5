using System.Globalization;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using Npgsql;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// The PostgreSQL catalog's reads of the catalog contract (<see cref="ICatalogReader"/>), returning the records the
/// SQLite catalog returns. A pending image (registered by a worker, not yet committed) is left out of every read, as
/// the SQLite catalog has no row for an image before its commit; 'faceindex status' is where pending ones show.
/// </summary>
public sealed partial class PgCatalog : IFaceCatalog
{
    private const string ImageColumns = """
        i.id, d.name, i.rel_path, i.sha256, i.size_bytes, i.width, i.height, i.identity, i.status, i.error_reason, i.error,
        i.run_id, coalesce(i.indexed_at, 0), (SELECT count(*) FROM faces f WHERE f.image_id = i.id)
        """;

    private const string FaceColumns = """
        f.id, f.image_id, d.name, i.rel_path, i.identity, f.face_index, f.box_l, f.box_t, f.box_r, f.box_b, f.score,
        f.landmarks, m.name, f.embedding, f.is_subject
        """;

    private const string FaceFrom = "faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id LEFT JOIN models m ON m.id = f.model_id";

    /// <summary>Faces read per round trip while visiting embeddings (each page is retried whole after a lost connection).</summary>
    private const int VisitPage = 20_000;

    /// <inheritdoc/>
    public string Location => Library.Display;

    /// <inheritdoc/>
    public IReadOnlyList<StoredDataset> Datasets() => Run("read the datasets", c =>
    {
        using var cmd = new NpgsqlCommand("SELECT id, name, licence, source_url, citation, consent_basis, layout, notes, root_path, created_at FROM datasets ORDER BY name COLLATE \"C\"", c);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredDataset>();
        while (r.Read())
        {
            var info = new DatasetInfo(r.GetString(1), r.GetString(2), Text(r, 3), Text(r, 4), Text(r, 5), DatasetInfo.ParseLayout(r.GetString(6)) ?? DatasetLayout.Auto, Text(r, 7));
            list.Add(new StoredDataset(r.GetInt64(0), info, r.GetString(8), DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(9))));
        }

        return (IReadOnlyList<StoredDataset>)list;
    });

    /// <inheritdoc/>
    public StoredDataset? GetDataset(string name) => Datasets().FirstOrDefault(d => string.Equals(d.Info.Name, name, StringComparison.Ordinal));

    /// <inheritdoc/>
    public IReadOnlyList<RunInfo> Runs(string? dataset = null) => Run("read the runs", c =>
    {
        using var cmd = new NpgsqlCommand(
            """
            SELECT r.id, d.name, r.started_at, r.ended_at, r.status, r.settings, r.versions, r.counts, r.timings
            FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE @n::text IS NULL OR d.name = @n ORDER BY r.id DESC
            """,
            c);
        cmd.Parameters.Add(TextParameter("n", dataset));
        using var r = cmd.ExecuteReader();
        var list = new List<RunInfo>();
        while (r.Read())
        {
            list.Add(new RunInfo(
                r.GetInt64(0),
                r.GetString(1),
                DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(2)),
                r.IsDBNull(3) ? null : DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(3)),
                FaceCatalog.ParseRunStatus(r.GetString(4)),
                Text(r, 5),
                Text(r, 6),
                Text(r, 7),
                Text(r, 8)));
        }

        return (IReadOnlyList<RunInfo>)list;
    });

    /// <inheritdoc/>
    public StoredImage? GetImage(string dataset, string relPath) => Images(
        "read an image", "d.name = @d AND i.rel_path = @p", cmd =>
        {
            cmd.Parameters.AddWithValue("d", dataset);
            cmd.Parameters.AddWithValue("p", relPath);
        }).FirstOrDefault();

    /// <inheritdoc/>
    public StoredImage? GetImageById(long imageId) => Images("read an image", "i.id = @id", cmd => cmd.Parameters.AddWithValue("id", imageId)).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyList<StoredImage> FailedImages(string? dataset = null) => Images(
        "read the failed images", "i.status = 'failed' AND (@n::text IS NULL OR d.name = @n)", cmd => cmd.Parameters.Add(TextParameter("n", dataset)), "ORDER BY d.name COLLATE \"C\", i.rel_path COLLATE \"C\"");

    /// <inheritdoc/>
    public IReadOnlyList<StoredFace> FacesOfImage(long imageId) => Faces("read an image's faces", "f.image_id = @id ORDER BY f.face_index", cmd => cmd.Parameters.AddWithValue("id", imageId));

    /// <inheritdoc/>
    public IReadOnlyList<StoredFace> FacesOfIdentity(string dataset, string identity, int limit = 500) => Faces(
        "read an identity's faces",
        "d.name = @d AND i.identity = @i ORDER BY i.rel_path COLLATE \"C\", f.face_index LIMIT @l",
        cmd =>
        {
            cmd.Parameters.AddWithValue("d", dataset);
            cmd.Parameters.AddWithValue("i", identity);
            cmd.Parameters.AddWithValue("l", limit);
        });

    /// <inheritdoc/>
    public StoredFace? GetFace(long faceId) => Faces("read a face", "f.id = @id", cmd => cmd.Parameters.AddWithValue("id", faceId)).FirstOrDefault();

    /// <inheritdoc/>
    public IReadOnlyDictionary<long, StoredFace> GetFaces(IReadOnlyList<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        return faceIds.Count == 0
            ? new Dictionary<long, StoredFace>()
            : Faces("read faces", "f.id = ANY(@ids)", cmd => cmd.Parameters.AddWithValue("ids", faceIds.ToArray())).ToDictionary(f => f.Id);
    }

    /// <inheritdoc/>
    public long FaceCount() => Run("count the faces", c => Convert.ToInt64(Scalar(c, null, "SELECT count(*) FROM faces"), CultureInfo.InvariantCulture));

    /// <inheritdoc/>
    public long CountFacesAfter(long faceId) => Run("count the faces", c =>
    {
        using var cmd = new NpgsqlCommand("SELECT count(*) FROM faces WHERE id > @id", c);
        cmd.Parameters.AddWithValue("id", faceId);
        return (long)cmd.ExecuteScalar()!;
    });

    /// <inheritdoc/>
    public IReadOnlyDictionary<ImageStatus, long> CountByStatus(string? dataset = null) =>
        Group("i.status", dataset, null).ToDictionary(g => FaceCatalog.ParseStatus(g.Key), g => g.Count);

    /// <inheritdoc/>
    public IReadOnlyDictionary<string, long> CountByFailureReason(string? dataset = null) =>
        Group("coalesce(i.error_reason, 'unknown')", dataset, "i.status = 'failed'").ToDictionary(g => g.Key, g => g.Count, StringComparer.Ordinal);

    /// <inheritdoc/>
    public IReadOnlyList<IdentityCount> Identities(string dataset) => Run("read the identities", c =>
    {
        using var cmd = new NpgsqlCommand(
            """
            SELECT i.identity, count(*), coalesce(sum((SELECT count(*) FROM faces f WHERE f.image_id = i.id)), 0)
            FROM images i JOIN datasets d ON d.id = i.dataset_id
            WHERE d.name = @n AND i.identity IS NOT NULL AND i.status NOT IN ('removed', 'pending')
            GROUP BY i.identity ORDER BY i.identity COLLATE "C"
            """,
            c);
        cmd.Parameters.AddWithValue("n", dataset);
        using var r = cmd.ExecuteReader();
        var list = new List<IdentityCount>();
        while (r.Read())
        {
            list.Add(new IdentityCount(r.GetString(0), (int)r.GetInt64(1), Convert.ToInt32(r.GetValue(2), CultureInfo.InvariantCulture)));
        }

        return (IReadOnlyList<IdentityCount>)list;
    });

    /// <inheritdoc/>
    public DoneImages LoadDone(string dataset, bool retryFailed = false) => Run("read the indexed images", c =>
    {
        var map = new Dictionary<string, DoneImage>(StringComparer.Ordinal);
        using var cmd = new NpgsqlCommand("SELECT i.rel_path, i.sha256, i.size_bytes, i.status FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = @n AND i.status <> 'pending'", c);
        cmd.Parameters.AddWithValue("n", dataset);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            map[r.GetString(0)] = new DoneImage(r.IsDBNull(1) ? null : (byte[])r.GetValue(1), r.GetInt64(2), FaceCatalog.ParseStatus(r.GetString(3)));
        }

        return new DoneImages(map, retryFailed);
    });

    /// <inheritdoc/>
    public long VisitEmbeddings(string modelId, long afterFaceId, EmbeddingVisitor visitor, bool subjectsOnly = false)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        long visited = 0;
        var after = afterFaceId;
        while (true)
        {
            // A page at a time, each read whole before the visitor sees it: a retry after a lost connection then
            // re-reads that page only, and the visitor never sees a face twice.
            var page = Run("read embeddings", c =>
            {
                using var cmd = new NpgsqlCommand(
                    """
                    SELECT f.id, f.embedding FROM faces f JOIN models m ON m.id = f.model_id
                    WHERE m.name = @m AND f.id > @after AND f.embedding IS NOT NULL AND (NOT @subjects OR f.is_subject)
                    ORDER BY f.id LIMIT @n
                    """,
                    c);
                cmd.Parameters.AddWithValue("m", modelId);
                cmd.Parameters.AddWithValue("after", after);
                cmd.Parameters.AddWithValue("subjects", subjectsOnly);
                cmd.Parameters.AddWithValue("n", VisitPage);
                using var r = cmd.ExecuteReader();
                var rows = new List<(long Id, float[] Embedding)>();
                while (r.Read())
                {
                    rows.Add((r.GetInt64(0), FaceBlobs.DecodeEmbedding((byte[])r.GetValue(1))));
                }

                return rows;
            });
            foreach (var (id, embedding) in page)
            {
                visitor(id, embedding);
            }

            visited += page.Count;
            if (page.Count < VisitPage)
            {
                return visited;
            }

            after = page[^1].Id;
        }
    }

    /// <inheritdoc/>
    public void ReadEmbeddings(ReadOnlySpan<long> faceIds, Dictionary<long, float[]> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        if (faceIds.IsEmpty)
        {
            return;
        }

        var ids = faceIds.ToArray();
        var rows = Run("read embeddings", c =>
        {
            using var cmd = new NpgsqlCommand("SELECT id, embedding FROM faces WHERE id = ANY(@ids) AND embedding IS NOT NULL", c);
            cmd.Parameters.AddWithValue("ids", ids);
            using var r = cmd.ExecuteReader();
            var list = new List<(long, float[])>();
            while (r.Read())
            {
                list.Add((r.GetInt64(0), FaceBlobs.DecodeEmbedding((byte[])r.GetValue(1))));
            }

            return list;
        });
        foreach (var (id, embedding) in rows)
        {
            into[id] = embedding;
        }
    }

    /// <inheritdoc/>
    public IReadOnlyList<(long FaceId, string Identity, float[] Embedding)> LabelledSubjects(string dataset, string modelId) => Run("read labelled faces", c =>
    {
        using var cmd = new NpgsqlCommand(
            """
            SELECT f.id, i.identity, f.embedding FROM faces f
            JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id JOIN models m ON m.id = f.model_id
            WHERE d.name = @d AND m.name = @m AND f.is_subject AND i.identity IS NOT NULL AND f.embedding IS NOT NULL
            ORDER BY f.id
            """,
            c);
        cmd.Parameters.AddWithValue("d", dataset);
        cmd.Parameters.AddWithValue("m", modelId);
        using var r = cmd.ExecuteReader();
        var list = new List<(long, string, float[])>();
        while (r.Read())
        {
            list.Add((r.GetInt64(0), r.GetString(1), FaceBlobs.DecodeEmbedding((byte[])r.GetValue(2))));
        }

        return (IReadOnlyList<(long, string, float[])>)list;
    });

    /// <inheritdoc/>
    public IReadOnlyList<RemovalInfo> Removals(string? dataset = null) => Run("read the removals", c =>
    {
        using var cmd = new NpgsqlCommand(
            """
            SELECT r.id, d.name, r.kind, r.value, r.sha256, r.reason, r.requested_at, r.faces_removed, r.images_removed
            FROM removals r JOIN datasets d ON d.id = r.dataset_id WHERE @n::text IS NULL OR d.name = @n ORDER BY r.id
            """,
            c);
        cmd.Parameters.Add(TextParameter("n", dataset));
        using var r = cmd.ExecuteReader();
        var list = new List<RemovalInfo>();
        while (r.Read())
        {
            list.Add(ReadRemoval(r));
        }

        return (IReadOnlyList<RemovalInfo>)list;
    });

    /// <inheritdoc/>
    public bool IsBlocked(string dataset, string relPath, ReadOnlySpan<byte> sha256, string? identity)
    {
        byte[]? sha = sha256.IsEmpty ? null : sha256.ToArray();
        return Run("check the removal requests", c =>
        {
            using var cmd = new NpgsqlCommand(
                """
                SELECT EXISTS (SELECT 1 FROM removals r JOIN datasets d ON d.id = r.dataset_id
                               WHERE d.name = @d AND ((r.kind = 'identity' AND r.value = @identity) OR (r.kind = 'image' AND r.value = @path)))
                    OR EXISTS (SELECT 1 FROM removals WHERE sha256 = @sha)
                """,
                c);
            cmd.Parameters.AddWithValue("d", dataset);
            cmd.Parameters.Add(TextParameter("identity", identity));
            cmd.Parameters.AddWithValue("path", relPath);
            cmd.Parameters.Add(new NpgsqlParameter("sha", NpgsqlTypes.NpgsqlDbType.Bytea) { Value = (object?)sha ?? DBNull.Value });
            return (bool)cmd.ExecuteScalar()!;
        });
    }

    private List<StoredImage> Images(string doing, string where, Action<NpgsqlCommand> bind, string order = "") => Run(doing, c =>
    {
        using var cmd = new NpgsqlCommand($"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.status <> 'pending' AND {where} {order}", c);
        bind(cmd);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredImage>();
        while (r.Read())
        {
            list.Add(CatalogRows.ReadImage(r));
        }

        return list;
    });

    private List<StoredFace> Faces(string doing, string whereAndOrder, Action<NpgsqlCommand> bind) => Run(doing, c =>
    {
        using var cmd = new NpgsqlCommand($"SELECT {FaceColumns} FROM {FaceFrom} WHERE {whereAndOrder}", c);
        bind(cmd);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredFace>();
        while (r.Read())
        {
            list.Add(CatalogRows.ReadFace(r));
        }

        return list;
    });

    private List<(string Key, long Count)> Group(string key, string? dataset, string? filter) => Run("count images", c =>
    {
        using var cmd = new NpgsqlCommand(
            $"""
            SELECT {key}, count(*) FROM images i JOIN datasets d ON d.id = i.dataset_id
            WHERE i.status <> 'pending' AND (@n::text IS NULL OR d.name = @n) {(filter is null ? string.Empty : "AND " + filter)} GROUP BY 1 ORDER BY 1
            """,
            c);
        cmd.Parameters.Add(TextParameter("n", dataset));
        using var r = cmd.ExecuteReader();
        var list = new List<(string, long)>();
        while (r.Read())
        {
            list.Add((r.GetString(0), r.GetInt64(1)));
        }

        return list;
    });

    private static RemovalInfo ReadRemoval(NpgsqlDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        string.Equals(r.GetString(2), "identity", StringComparison.Ordinal) ? RemovalKind.Identity : RemovalKind.Image,
        r.GetString(3),
        r.IsDBNull(4) ? null : (byte[])r.GetValue(4),
        Text(r, 5),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(6)),
        r.GetInt32(7),
        r.GetInt32(8));


    private static NpgsqlParameter TextParameter(string name, string? value) =>
        new(name, NpgsqlTypes.NpgsqlDbType.Text) { Value = (object?)value ?? DBNull.Value };
}
