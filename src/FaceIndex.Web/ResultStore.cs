using System.Buffers.Binary;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using FaceIndex.Search;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Web;

/// <summary>
/// The server's own SQLite file (results.db in the results folder) for permalinks: the result, the face crops and
/// embeddings, and the photo only when the operator keeps photos. Separate from the catalog, which the server only reads.
/// </summary>
public sealed class ResultStore
{
    private readonly string _connectionString;

    public ResultStore(string folder)
    {
        try
        {
            Directory.CreateDirectory(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new FaceIndexException($"cannot create the results folder {folder} ({ex.Message}): give a writable one with --results DIR", ex);
        }

        Path = System.IO.Path.Combine(folder, "results.db");
        _connectionString = new SqliteConnectionStringBuilder { DataSource = Path, Mode = SqliteOpenMode.ReadWriteCreate, Pooling = true, DefaultTimeout = 30 }.ToString();
        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = """
            PRAGMA journal_mode = WAL;
            CREATE TABLE IF NOT EXISTS results (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, result TEXT NOT NULL, photo BLOB, kept TEXT NOT NULL);
            CREATE TABLE IF NOT EXISTS result_faces (result_id TEXT NOT NULL REFERENCES results(id) ON DELETE CASCADE, face_index INTEGER NOT NULL,
                crop BLOB NOT NULL, embedding BLOB NOT NULL, PRIMARY KEY (result_id, face_index));
            """;
        cmd.ExecuteNonQuery();
    }

    /// <summary>The results file.</summary>
    public string Path { get; }

    /// <summary>Keeps a result with its face crops and embeddings (and the photo when given); returns its new id.</summary>
    public string Save(QueryResult result, IReadOnlyList<(int FaceIndex, byte[] Crop, float[] Embedding)> faces, byte[]? photoJpeg, string kept)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(faces);
        var id = Base64Url(RandomNumberGenerator.GetBytes(16));
        using var connection = Open();
        using var tx = connection.BeginTransaction();
        using (var cmd = connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO results (id, created_at, result, photo, kept) VALUES ($id, $at, $r, $p, $k)";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$at", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            cmd.Parameters.AddWithValue("$r", JsonSerializer.Serialize(result, WebJson.Options));
            cmd.Parameters.AddWithValue("$p", (object?)photoJpeg ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$k", kept);
            cmd.ExecuteNonQuery();
        }

        foreach (var (faceIndex, crop, embedding) in faces)
        {
            using var cmd = connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO result_faces (result_id, face_index, crop, embedding) VALUES ($id, $f, $c, $e)";
            cmd.Parameters.AddWithValue("$id", id);
            cmd.Parameters.AddWithValue("$f", faceIndex);
            cmd.Parameters.AddWithValue("$c", crop);
            cmd.Parameters.AddWithValue("$e", EmbeddingBytes(embedding));
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
        return id;
    }

    /// <summary>A stored result as it was found, or null (unknown id).</summary>
    public StoredResult? Get(string id)
    {
        if (!IsId(id))
        {
            return null;
        }

        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT created_at, result, photo IS NOT NULL, kept FROM results WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", id);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            return null;
        }

        var result = JsonSerializer.Deserialize<QueryResult>(r.GetString(1), WebJson.Options)!;
        return new StoredResult(id, DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(0)), result, r.GetInt64(2) != 0, r.GetString(3));
    }

    /// <summary>The kept photo (JPEG) of a result, or null.</summary>
    public byte[]? Photo(string id) => Blob("SELECT photo FROM results WHERE id = $id", id, null);

    /// <summary>The crop (PNG) of a result's query face, or null.</summary>
    public byte[]? Crop(string id, int faceIndex) => Blob("SELECT crop FROM result_faces WHERE result_id = $id AND face_index = $f", id, faceIndex);

    /// <summary>The stored embedding of a result's query face, or null.</summary>
    public float[]? Embedding(string id, int faceIndex)
    {
        var bytes = Blob("SELECT embedding FROM result_faces WHERE result_id = $id AND face_index = $f", id, faceIndex);
        if (bytes is null)
        {
            return null;
        }

        var values = new float[bytes.Length / sizeof(float)];
        for (var i = 0; i < values.Length; i++)
        {
            values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan(i * sizeof(float)));
        }

        return values;
    }

    /// <summary>Whether <paramref name="id"/> has the shape of a result id (22 base64url characters): anything else is not looked up.</summary>
    public static bool IsId(string id) => id.Length == 22 && id.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private byte[]? Blob(string sql, string id, int? faceIndex)
    {
        if (!IsId(id))
        {
            return null;
        }

        using var connection = Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.Parameters.AddWithValue("$id", id);
        if (faceIndex is { } f)
        {
            cmd.Parameters.AddWithValue("$f", f);
        }

        return cmd.ExecuteScalar() as byte[];
    }

    /// <summary>
    /// Drops from every kept result the hits whose faces no longer exist (removed since), rewriting the rows with
    /// SQLite's secure_delete on and the WAL emptied, so nothing of a removed face (id, label, path, distance)
    /// stays in the results file. Returns the hits dropped.
    /// </summary>
    public int Scrub(Func<IReadOnlyList<long>, IReadOnlyList<long>> existing)
    {
        ArgumentNullException.ThrowIfNull(existing);
        using var connection = Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA secure_delete = ON";
            pragma.ExecuteNonQuery();
        }

        var rows = new List<(string Id, QueryResult Result)>();
        using (var read = connection.CreateCommand())
        {
            read.CommandText = "SELECT id, result FROM results";
            using var r = read.ExecuteReader();
            while (r.Read())
            {
                rows.Add((r.GetString(0), JsonSerializer.Deserialize<QueryResult>(r.GetString(1), WebJson.Options)!));
            }
        }

        var alive = new HashSet<long>(existing([.. rows.SelectMany(row => row.Result.Faces).SelectMany(f => f.Hits).Select(h => h.FaceId).Distinct()]));
        var dropped = 0;
        using var tx = connection.BeginTransaction();
        foreach (var (id, result) in rows)
        {
            var removed = 0;
            var faces = result.Faces.Select(f =>
            {
                var kept = f.Hits.Where(h => alive.Contains(h.FaceId)).Select((h, i) => h with { Rank = i + 1 }).ToList();
                removed += f.Hits.Count - kept.Count;
                return f with { Hits = kept };
            }).ToList();
            if (removed == 0)
            {
                continue;
            }

            using var update = connection.CreateCommand();
            update.Transaction = tx;
            update.CommandText = "UPDATE results SET result = $r WHERE id = $id";
            update.Parameters.AddWithValue("$r", JsonSerializer.Serialize(result with { Faces = faces }, WebJson.Options));
            update.Parameters.AddWithValue("$id", id);
            update.ExecuteNonQuery();
            dropped += removed;
        }

        tx.Commit();
        if (dropped > 0)
        {
            // Rewrite the whole file from the live rows: freed space of the old rows is not left behind.
            using var vacuum = connection.CreateCommand();
            vacuum.CommandText = "VACUUM";
            vacuum.ExecuteNonQuery();
        }

        // Copy the rewritten pages over the old ones and empty the WAL; a reader of a running server can hold
        // the checkpoint back for a moment, so it is retried.
        for (var attempt = 0; attempt < 100; attempt++)
        {
            using var checkpoint = connection.CreateCommand();
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            using var r = checkpoint.ExecuteReader();
            if (r.Read() && r.GetInt64(0) == 0)
            {
                break;
            }

            Thread.Sleep(20);
        }

        return dropped;
    }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        connection.Open();
        return connection;
    }

    private static byte[] EmbeddingBytes(float[] embedding)
    {
        var bytes = new byte[embedding.Length * sizeof(float)];
        for (var i = 0; i < embedding.Length; i++)
        {
            BinaryPrimitives.WriteSingleLittleEndian(bytes.AsSpan(i * sizeof(float)), embedding[i]);
        }

        return bytes;
    }

    private static string Base64Url(byte[] bytes) =>
        Convert.ToBase64String(bytes).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    internal static string Describe(StoredResult stored) =>
        string.Create(CultureInfo.InvariantCulture, $"stored {stored.CreatedAt:yyyy-MM-dd HH:mm} UTC; kept: {stored.Kept}");
}
