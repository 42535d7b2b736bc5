using System.Buffers;
using System.Globalization;
using System.Text;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    private const string ImageColumns = """
        i.id, d.name, i.rel_path, i.sha256, i.size_bytes, i.width, i.height, i.identity, i.status, i.error_reason, i.error,
        i.run_id, i.indexed_at, (SELECT count(*) FROM faces f WHERE f.image_id = i.id)
        """;

    private const string FaceColumns = """
        f.id, f.image_id, d.name, i.rel_path, i.identity, f.face_index, f.box_l, f.box_t, f.box_r, f.box_b, f.score,
        f.landmarks, m.name, f.embedding, f.is_subject
        """;

    /// <summary>The datasets of the library, by name.</summary>
    public IReadOnlyList<StoredDataset> Datasets()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id, name, licence, source_url, citation, consent_basis, layout, notes, root_path, created_at FROM datasets ORDER BY name";
        using var r = cmd.ExecuteReader();
        var list = new List<StoredDataset>();
        while (r.Read())
        {
            var info = new DatasetInfo(
                r.GetString(1),
                r.GetString(2),
                NullableString(r, 3),
                NullableString(r, 4),
                NullableString(r, 5),
                DatasetInfo.ParseLayout(r.GetString(6)) ?? DatasetLayout.Auto,
                NullableString(r, 7));
            list.Add(new StoredDataset(r.GetInt64(0), info, r.GetString(8), FromMs(r.GetInt64(9))));
        }

        return list;
    }

    /// <summary>A dataset by name, or null.</summary>
    public StoredDataset? GetDataset(string name)
        => Datasets().FirstOrDefault(d => string.Equals(d.Info.Name, name, StringComparison.Ordinal));

    /// <summary>An image by its dataset and relative path, or null.</summary>
    public StoredImage? GetImage(string dataset, string relPath)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = $n AND i.rel_path = $p";
        cmd.Parameters.AddWithValue("$n", dataset);
        cmd.Parameters.AddWithValue("$p", relPath);
        using var r = cmd.ExecuteReader();
        return r.Read() ? CatalogRows.ReadImage(r) : null;
    }

    /// <summary>
    /// What a rerun of a dataset may skip (see <see cref="DoneImages.ShouldSkip"/>): every recorded image with its
    /// size and hash; failed ones count as done unless <paramref name="retryFailed"/>.
    /// </summary>
    public DoneImages LoadDone(string dataset, bool retryFailed = false)
    {
        ThrowIfDisposed();
        var map = new Dictionary<string, DoneImage>(StringComparer.Ordinal);
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT i.rel_path, i.sha256, i.size_bytes, i.status FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = $n";
        cmd.Parameters.AddWithValue("$n", dataset);
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            map[r.GetString(0)] = new DoneImage(r.IsDBNull(1) ? null : (byte[])r.GetValue(1), r.GetInt64(2), ParseStatus(r.GetString(3)));
        }

        return new DoneImages(map, retryFailed);
    }

    /// <summary>A face by id (with its embedding), or null when there is none (never stored, or removed).</summary>
    public StoredFace? GetFace(long faceId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {FaceColumns} FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            LEFT JOIN models m ON m.id = f.model_id WHERE f.id = $id
            """;
        cmd.Parameters.AddWithValue("$id", faceId);
        using var r = cmd.ExecuteReader();
        return r.Read() ? CatalogRows.ReadFace(r) : null;
    }

    /// <summary>The faces of <paramref name="faceIds"/> still in the catalog, by id, in one statement (removed ones are absent).</summary>
    public IReadOnlyDictionary<long, StoredFace> GetFaces(IReadOnlyList<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        ThrowIfDisposed();
        var faces = new Dictionary<long, StoredFace>(faceIds.Count);
        if (faceIds.Count == 0)
        {
            return faces;
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {FaceColumns} FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            LEFT JOIN models m ON m.id = f.model_id WHERE f.id IN (SELECT value FROM json_each($ids))
            """;
        cmd.Parameters.AddWithValue("$ids", IdsJson([.. faceIds]));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var face = CatalogRows.ReadFace(r);
            faces[face.Id] = face;
        }

        return faces;
    }

    /// <summary>The faces of one image, in detection order.</summary>
    public IReadOnlyList<StoredFace> FacesOfImage(long imageId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {FaceColumns} FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            LEFT JOIN models m ON m.id = f.model_id WHERE f.image_id = $id ORDER BY f.face_index
            """;
        cmd.Parameters.AddWithValue("$id", imageId);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredFace>();
        while (r.Read())
        {
            list.Add(CatalogRows.ReadFace(r));
        }

        return list;
    }

    /// <summary>
    /// Streams (face id, embedding) for a model in id order (its embeddings from either place, see FaceCatalog.Embeddings), from ids above <paramref name="afterFaceId"/> (0 for
    /// all: an index build; the last indexed id for the delta). One buffer is reused for every row, so no per-face
    /// objects are made. Returns the number visited.
    /// </summary>
    public long VisitEmbeddings(string modelId, long afterFaceId, EmbeddingVisitor visitor, bool subjectsOnly = false)
    {
        ArgumentNullException.ThrowIfNull(visitor);
        ThrowIfDisposed();
        int dimension;
        long modelKey;
        using (var find = _connection.CreateCommand())
        {
            find.CommandText = "SELECT id, dimension FROM models WHERE name = $n";
            find.Parameters.AddWithValue("$n", modelId);
            using var m = find.ExecuteReader();
            if (!m.Read())
            {
                return 0;
            }

            modelKey = m.GetInt64(0);
            dimension = m.GetInt32(1);
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT f.id, {ModelEmbeddingSql} FROM faces f
            WHERE f.id > $after AND (f.model_id = $mk OR EXISTS (SELECT 1 FROM face_embeddings e WHERE e.face_id = f.id AND e.model_id = $mk))
              AND ($subjects = 0 OR f.is_subject = 1)
            ORDER BY f.id
            """;
        cmd.Parameters.AddWithValue("$after", afterFaceId);
        cmd.Parameters.AddWithValue("$mk", modelKey);
        cmd.Parameters.AddWithValue("$subjects", subjectsOnly ? 1 : 0);
        var bytes = ArrayPool<byte>.Shared.Rent(dimension * sizeof(float));
        var floats = ArrayPool<float>.Shared.Rent(dimension);
        try
        {
            using var r = cmd.ExecuteReader();
            long n = 0;
            while (r.Read())
            {
                var got = r.GetBytes(1, 0, bytes, 0, dimension * sizeof(float));
                if (got != dimension * sizeof(float))
                {
                    throw new CatalogException($"face {r.GetInt64(0).ToString(CultureInfo.InvariantCulture)} in {DatabasePath} has a {got}-byte embedding, expected {dimension * sizeof(float)}: the catalog is damaged; run a catalog check");
                }

                FaceBlobs.DecodeEmbedding(bytes.AsSpan(0, dimension * sizeof(float)), floats.AsSpan(0, dimension));
                visitor(r.GetInt64(0), floats.AsSpan(0, dimension));
                n++;
            }

            return n;
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(bytes);
            ArrayPool<float>.Shared.Return(floats);
        }
    }

    /// <summary>The highest face id ever assigned (ids are never reused), or 0.</summary>
    public long MaxFaceId()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'faces'), 0)";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The number of faces stored.</summary>
    public long FaceCount()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM faces";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>
    /// Keeps the ids that still have a face row, in the given order: a search over an index built before a
    /// removal filters its candidates with this.
    /// </summary>
    public IReadOnlyList<long> FilterExisting(IReadOnlyList<long> faceIds)
    {
        ArgumentNullException.ThrowIfNull(faceIds);
        ThrowIfDisposed();
        if (faceIds.Count == 0)
        {
            return [];
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id FROM faces WHERE id IN (SELECT value FROM json_each($ids))";
        cmd.Parameters.AddWithValue("$ids", IdsJson([.. faceIds]));
        var present = new HashSet<long>();
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                present.Add(r.GetInt64(0));
            }
        }

        return faceIds.Where(present.Contains).ToList();
    }

    /// <summary>
    /// The embeddings of those of <paramref name="faceIds"/> still in the catalog, written to <paramref name="into"/>
    /// by id (removed faces are absent): what a search re-measures its candidates with, in one statement.
    /// </summary>
    public void ReadEmbeddings(ReadOnlySpan<long> faceIds, Dictionary<long, float[]> into)
    {
        ArgumentNullException.ThrowIfNull(into);
        ThrowIfDisposed();
        if (faceIds.IsEmpty)
        {
            return;
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT id, embedding FROM faces WHERE id IN (SELECT value FROM json_each($ids))";
        cmd.Parameters.AddWithValue("$ids", IdsJson(faceIds));
        using var r = cmd.ExecuteReader();
        while (r.Read())
        {
            var embedding = FaceBlobs.DecodeEmbedding((byte[])r.GetValue(1));
            into[r.GetInt64(0)] = embedding;
        }
    }

    /// <summary>A JSON array of ids, bound as one parameter and expanded by json_each: any number of ids, one statement.</summary>
    private static string IdsJson(ReadOnlySpan<long> ids)
    {
        var json = new StringBuilder(ids.Length * 8).Append('[');
        for (var i = 0; i < ids.Length; i++)
        {
            json.Append(i == 0 ? "" : ",").Append(ids[i].ToString(CultureInfo.InvariantCulture));
        }

        return json.Append(']').ToString();
    }

    /// <summary>Image counts per status (all datasets when <paramref name="dataset"/> is null).</summary>
    public IReadOnlyDictionary<ImageStatus, long> CountByStatus(string? dataset = null)
    {
        var result = new Dictionary<ImageStatus, long>();
        foreach (var (key, n) in Group("i.status", dataset, null))
        {
            result[ParseStatus(key)] = n;
        }

        return result;
    }

    /// <summary>Failed-image counts per machine-readable reason.</summary>
    public IReadOnlyDictionary<string, long> CountByFailureReason(string? dataset = null)
        => Group("COALESCE(i.error_reason, 'unknown')", dataset, "i.status = 'failed'").ToDictionary(g => g.Key, g => g.Count, StringComparer.Ordinal);

    /// <summary>The identities of a dataset with their image and face counts, by name (ordinal).</summary>
    public IReadOnlyList<IdentityCount> Identities(string dataset)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT i.identity, count(*), COALESCE(sum((SELECT count(*) FROM faces f WHERE f.image_id = i.id)), 0)
            FROM images i JOIN datasets d ON d.id = i.dataset_id
            WHERE d.name = $n AND i.identity IS NOT NULL AND i.status <> 'removed'
            GROUP BY i.identity ORDER BY i.identity
            """;
        cmd.Parameters.AddWithValue("$n", dataset);
        using var r = cmd.ExecuteReader();
        var list = new List<IdentityCount>();
        while (r.Read())
        {
            list.Add(new IdentityCount(r.GetString(0), r.GetInt32(1), r.GetInt32(2)));
        }

        return list;
    }

    /// <summary>Runs, newest first (all datasets when <paramref name="dataset"/> is null).</summary>
    public IReadOnlyList<RunInfo> Runs(string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT r.id, d.name, r.started_at, r.ended_at, r.status, r.settings, r.versions, r.counts, r.timings
            FROM runs r JOIN datasets d ON d.id = r.dataset_id WHERE $n IS NULL OR d.name = $n ORDER BY r.id DESC
            """;
        cmd.Parameters.AddWithValue("$n", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<RunInfo>();
        while (r.Read())
        {
            list.Add(new RunInfo(
                r.GetInt64(0),
                r.GetString(1),
                FromMs(r.GetInt64(2)),
                r.IsDBNull(3) ? null : FromMs(r.GetInt64(3)),
                ParseRunStatus(r.GetString(4)),
                NullableString(r, 5),
                NullableString(r, 6),
                NullableString(r, 7),
                NullableString(r, 8)));
        }

        return list;
    }

    private List<(string Key, long Count)> Group(string key, string? dataset, string? filter)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {key}, count(*) FROM images i JOIN datasets d ON d.id = i.dataset_id
            WHERE ($n IS NULL OR d.name = $n) {(filter is null ? "" : "AND " + filter)} GROUP BY 1 ORDER BY 1
            """;
        cmd.Parameters.AddWithValue("$n", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<(string, long)>();
        while (r.Read())
        {
            list.Add((r.GetString(0), r.GetInt64(1)));
        }

        return list;
    }

    private static string? NullableString(SqliteDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
