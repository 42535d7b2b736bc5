using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// Deletes every face of the images labelled <paramref name="identity"/> in a dataset, marks those images
    /// removed, and logs the request, all in one transaction. Later indexing of the dataset never adds that
    /// identity back.
    /// </summary>
    public RemovalInfo RemoveIdentity(string dataset, string identity, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        return Write("remove the identity " + identity, tx =>
        {
            var datasetId = DatasetId(dataset, tx);
            var (faces, images) = RemoveWhere(tx, "dataset_id = $d AND identity = $v", datasetId, identity);
            return LogRemoval(tx, datasetId, dataset, RemovalKind.Identity, identity, null, reason, faces, images);
        });
    }

    /// <summary>
    /// Deletes the faces of one image, marks it removed and logs the request in one transaction. Later indexing
    /// never adds the path back, nor the same file (by SHA-256) under any path in any dataset of the library.
    /// The request is logged even when the image is not (yet) in the catalog.
    /// </summary>
    public RemovalInfo RemoveImage(string dataset, string relPath, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relPath);
        return Write("remove the image " + relPath, tx =>
        {
            var datasetId = DatasetId(dataset, tx);
            byte[]? sha = null;
            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "SELECT sha256 FROM images WHERE dataset_id = $d AND rel_path = $p";
                cmd.Parameters.AddWithValue("$d", datasetId);
                cmd.Parameters.AddWithValue("$p", relPath);
                sha = cmd.ExecuteScalar() as byte[];
            }

            var (faces, images) = sha is null
                ? RemoveWhere(tx, "dataset_id = $d AND rel_path = $v", datasetId, relPath)
                : RemoveWhere(tx, "(dataset_id = $d AND rel_path = $v) OR sha256 = $sha", datasetId, relPath, sha);
            return LogRemoval(tx, datasetId, dataset, RemovalKind.Image, relPath, sha, reason, faces, images);
        });
    }

    /// <summary>True when a removal request covers this image: its identity or path in the dataset, or its content anywhere.</summary>
    public bool IsBlocked(string dataset, string relPath, ReadOnlySpan<byte> sha256, string? identity)
    {
        ThrowIfDisposed();
        using var cmd = BlockedCommand(null);
        long datasetId;
        using (var find = _connection.CreateCommand())
        {
            find.CommandText = "SELECT id FROM datasets WHERE name = $n";
            find.Parameters.AddWithValue("$n", dataset);
            if (find.ExecuteScalar() is not long id)
            {
                // An unknown dataset can still hold a removed file.
                id = -1;
            }

            datasetId = id;
        }

        return IsBlocked(cmd, datasetId, relPath, sha256.IsEmpty ? null : sha256.ToArray(), identity);
    }

    /// <summary>The logged removal requests, oldest first (all datasets when <paramref name="dataset"/> is null).</summary>
    public IReadOnlyList<RemovalInfo> Removals(string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = """
            SELECT r.id, d.name, r.kind, r.value, r.sha256, r.reason, r.requested_at, r.faces_removed, r.images_removed
            FROM removals r JOIN datasets d ON d.id = r.dataset_id
            WHERE $n IS NULL OR d.name = $n ORDER BY r.id
            """;
        cmd.Parameters.AddWithValue("$n", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<RemovalInfo>();
        while (r.Read())
        {
            list.Add(new RemovalInfo(
                r.GetInt64(0),
                r.GetString(1),
                string.Equals(r.GetString(2), "identity", StringComparison.Ordinal) ? RemovalKind.Identity : RemovalKind.Image,
                r.GetString(3),
                r.IsDBNull(4) ? null : (byte[])r.GetValue(4),
                r.IsDBNull(5) ? null : r.GetString(5),
                FromMs(r.GetInt64(6)),
                r.GetInt32(7),
                r.GetInt32(8)));
        }

        return list;
    }

    private SqliteCommand BlockedCommand(SqliteTransaction? tx)
    {
        var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            SELECT EXISTS (SELECT 1 FROM removals WHERE dataset_id = $d AND kind = 'identity' AND value = $identity)
                OR EXISTS (SELECT 1 FROM removals WHERE dataset_id = $d AND kind = 'image' AND value = $path)
                OR EXISTS (SELECT 1 FROM removals WHERE sha256 = $sha)
            """;
        cmd.Parameters.Add("$d", SqliteType.Integer);
        cmd.Parameters.Add("$identity", SqliteType.Text);
        cmd.Parameters.Add("$path", SqliteType.Text);
        cmd.Parameters.Add("$sha", SqliteType.Blob);
        return cmd;
    }

    private static bool IsBlocked(SqliteCommand cmd, long datasetId, string relPath, byte[]? sha256, string? identity)
    {
        cmd.Parameters["$d"].Value = datasetId;
        cmd.Parameters["$identity"].Value = (object?)identity ?? DBNull.Value;
        cmd.Parameters["$path"].Value = relPath;
        cmd.Parameters["$sha"].Value = (object?)sha256 ?? DBNull.Value;
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture) != 0;
    }

    private (int Faces, int Images) RemoveWhere(SqliteTransaction tx, string where, long datasetId, string value, byte[]? sha = null)
    {
        int faces;
        using (var cmd = _connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"DELETE FROM faces WHERE image_id IN (SELECT id FROM images WHERE {where})";
            AddRemovalParameters(cmd, datasetId, value, sha);
            faces = cmd.ExecuteNonQuery();
        }

        using (var cmd = _connection.CreateCommand())
        {
            cmd.Transaction = tx;
            cmd.CommandText = $"""
                UPDATE images SET status = 'removed', error_reason = 'removal_requested',
                  error = 'a removal request covers this image; its faces were deleted', indexed_at = $now
                WHERE {where}
                """;
            AddRemovalParameters(cmd, datasetId, value, sha);
            cmd.Parameters.AddWithValue("$now", NowMs());
            return (faces, cmd.ExecuteNonQuery());
        }
    }

    private static void AddRemovalParameters(SqliteCommand cmd, long datasetId, string value, byte[]? sha)
    {
        cmd.Parameters.AddWithValue("$d", datasetId);
        cmd.Parameters.AddWithValue("$v", value);
        if (sha is not null)
        {
            cmd.Parameters.AddWithValue("$sha", sha);
        }
    }

    private RemovalInfo LogRemoval(
        SqliteTransaction tx, long datasetId, string dataset, RemovalKind kind, string value, byte[]? sha, string? reason, int faces, int images)
    {
        var now = NowMs();
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO removals (dataset_id, kind, value, sha256, reason, requested_at, faces_removed, images_removed)
            VALUES ($d, $k, $v, $sha, $reason, $now, $faces, $images) RETURNING id
            """;
        cmd.Parameters.AddWithValue("$d", datasetId);
        cmd.Parameters.AddWithValue("$k", kind == RemovalKind.Identity ? "identity" : "image");
        cmd.Parameters.AddWithValue("$v", value);
        cmd.Parameters.AddWithValue("$sha", (object?)sha ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$reason", (object?)reason ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$now", now);
        cmd.Parameters.AddWithValue("$faces", faces);
        cmd.Parameters.AddWithValue("$images", images);
        var id = Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        return new RemovalInfo(id, dataset, kind, value, sha, reason, FromMs(now), faces, images);
    }
}
