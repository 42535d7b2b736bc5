using System.Globalization;
using Npgsql;
using NpgsqlTypes;

namespace FaceIndex.Catalog.Postgres;

public sealed partial class PgCatalog
{
    /// <summary>
    /// Writes a batch of claimed images with their faces in one transaction, but only the images this run still
    /// holds (claimed by it and still pending): a worker whose lease expired and whose images another worker took
    /// writes nothing for them, and an image removed meanwhile stays removed. Images a removal request covers (by
    /// identity, path or content) are recorded as removed, without faces, as the SQLite catalog does.
    /// </summary>
    public PgCommitSummary CommitClaimed(long runId, long datasetId, IReadOnlyList<(long ImageId, ImageResult Result)> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(images);
        if (images.Count == 0)
        {
            return new PgCommitSummary(0, 0, 0, 0);
        }

        return Transaction(
            "commit a batch of " + images.Count.ToString(CultureInfo.InvariantCulture) + " images",
            (c, tx) =>
            {
                var held = new HashSet<long>();
                using (var lockRows = new NpgsqlCommand("SELECT id FROM images WHERE id = ANY(@ids) AND claimed_by = @run AND status = 'pending' ORDER BY id FOR UPDATE", c, tx))
                {
                    lockRows.Parameters.AddWithValue("ids", images.Select(i => i.ImageId).ToArray());
                    lockRows.Parameters.AddWithValue("run", runId);
                    using var r = lockRows.ExecuteReader();
                    while (r.Read())
                    {
                        held.Add(r.GetInt64(0));
                    }
                }

                // Once per image: a worker whose own lease ran out can claim an image again while its first copy
                // is still in its pipeline, and both copies may reach one batch (seen: its faces doubled).
                var kept = images.Where(i => held.Remove(i.ImageId)).ToList();
                var blocked = BlockedSet(c, tx, datasetId, kept.Select(i => i.Result).ToList());

                var ids = new long[kept.Count];
                var statuses = new string[kept.Count];
                var shas = new byte[kept.Count][];
                var sizes = new long[kept.Count];
                var widths = new int[kept.Count];
                var heights = new int[kept.Count];
                var reasons = new object[kept.Count];
                var errors = new object[kept.Count];
                var toInsert = new List<(long ImageId, ImageResult Image)>();
                var blockedCount = 0;
                for (var n = 0; n < kept.Count; n++)
                {
                    var (id, image) = kept[n];
                    var isBlocked = blocked.Contains(image);
                    ids[n] = id;
                    statuses[n] = FaceCatalog.StatusName(isBlocked ? ImageStatus.Removed : image.Status);
                    shas[n] = image.Sha256;
                    sizes[n] = image.SizeBytes;
                    widths[n] = image.Width;
                    heights[n] = image.Height;
                    reasons[n] = isBlocked ? "removal_requested" : (object?)image.ErrorReason ?? DBNull.Value;
                    errors[n] = isBlocked ? "a removal request covers this image; it is not indexed" : (object?)image.Error ?? DBNull.Value;
                    if (isBlocked)
                    {
                        blockedCount++;
                        continue;
                    }

                    foreach (var (face, _) in image.Faces)
                    {
                        if (face.Embedding is null || face.ModelId is null)
                        {
                            throw new ArgumentException($"{image.RelPath}: face {face.Index} has no embedding or model id; a distributed run stores embedded faces only", nameof(images));
                        }
                    }

                    toInsert.Add((id, image));
                }

                if (kept.Count > 0)
                {
                    using var update = new NpgsqlCommand(
                        """
                        UPDATE images i SET status = u.status, sha256 = u.sha, size_bytes = u.size, width = u.w, height = u.h,
                          error_reason = u.reason, error = u.error, run_id = @run, indexed_at = fi_now_ms(), claimed_by = NULL, lease_until = NULL
                        FROM unnest(@ids, @statuses, @shas, @sizes, @ws, @hs, @reasons, @errors) AS u(id, status, sha, size, w, h, reason, error)
                        WHERE i.id = u.id;
                        WITH d AS (DELETE FROM faces WHERE image_id = ANY(@ids) RETURNING id)
                        INSERT INTO face_tombstones (face_id, removed_at) SELECT id, fi_now_ms() FROM d;
                        """,
                        c,
                        tx);
                    update.Parameters.AddWithValue("run", runId);
                    update.Parameters.AddWithValue("ids", ids);
                    update.Parameters.AddWithValue("statuses", statuses);
                    update.Parameters.Add(new NpgsqlParameter("shas", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = shas });
                    update.Parameters.AddWithValue("sizes", sizes);
                    update.Parameters.AddWithValue("ws", widths);
                    update.Parameters.AddWithValue("hs", heights);
                    update.Parameters.Add(new NpgsqlParameter("reasons", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = reasons });
                    update.Parameters.Add(new NpgsqlParameter("errors", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = errors });
                    update.ExecuteNonQuery();
                }

                var faces = InsertFaces(c, tx, toInsert);

                using (var beat = new NpgsqlCommand("UPDATE runs SET images_done = images_done + @n, faces_done = faces_done + @f, heartbeat_at = fi_now_ms() WHERE id = @run", c, tx))
                {
                    beat.Parameters.AddWithValue("n", kept.Count);
                    beat.Parameters.AddWithValue("f", faces);
                    beat.Parameters.AddWithValue("run", runId);
                    beat.ExecuteNonQuery();
                }

                cancellationToken.ThrowIfCancellationRequested();
                return new PgCommitSummary(kept.Count, faces, blockedCount, images.Count - kept.Count);
            },
            CancellationToken.None);
    }

    /// <summary>
    /// Logs a removal request and removes what it covers at once: an identity of a dataset, or one image by path (and
    /// its content anywhere). Covered images become removed (never claimed again), their faces are deleted (their ids
    /// logged for index folders), and workers check the request before every commit, so running ones honour it too.
    /// </summary>
    public (int Faces, int Images) Remove(string dataset, RemovalKind kind, string value, string? reason)
    {
        var removal = RemoveLogged(dataset, kind, value, reason);
        return (removal.FacesRemoved, removal.ImagesRemoved);
    }

    private RemovalInfo RemoveLogged(string dataset, RemovalKind kind, string value, string? reason) => Transaction("log a removal", (c, tx) =>
    {
        long datasetId;
        using (var find = new NpgsqlCommand("SELECT id FROM datasets WHERE name = @n", c, tx))
        {
            find.Parameters.AddWithValue("n", dataset);
            datasetId = find.ExecuteScalar() is long id
                ? id
                : throw new CatalogException($"the library {Library.Display} has no dataset named \"{dataset}\": check the name ('faceindex datasets').");
        }

        byte[]? sha = null;
        if (kind == RemovalKind.Image)
        {
            using var s = new NpgsqlCommand("SELECT sha256 FROM images WHERE dataset_id = @d AND rel_path = @p", c, tx);
            s.Parameters.AddWithValue("d", datasetId);
            s.Parameters.AddWithValue("p", value);
            sha = s.ExecuteScalar() as byte[];
        }

        long removalId;
        long requestedAt;
        using (var log = new NpgsqlCommand(
            "INSERT INTO removals (dataset_id, kind, value, sha256, reason, requested_at, faces_removed, images_removed) VALUES (@d, @k, @v, @sha, @reason, fi_now_ms(), 0, 0) RETURNING id, requested_at",
            c,
            tx))
        {
            log.Parameters.AddWithValue("d", datasetId);
            log.Parameters.AddWithValue("k", kind == RemovalKind.Identity ? "identity" : "image");
            log.Parameters.AddWithValue("v", value);
            log.Parameters.Add(new NpgsqlParameter("sha", NpgsqlDbType.Bytea) { Value = (object?)sha ?? DBNull.Value });
            log.Parameters.AddWithValue("reason", (object?)reason ?? DBNull.Value);
            using var r = log.ExecuteReader();
            r.Read();
            removalId = r.GetInt64(0);
            requestedAt = r.GetInt64(1);
        }

        // Waits on a worker committing these rows; in READ COMMITTED the next statement then sees its faces.
        var where = kind == RemovalKind.Identity
            ? "dataset_id = @d AND identity = @v"
            : "((dataset_id = @d AND rel_path = @v) OR (@sha::bytea IS NOT NULL AND sha256 = @sha))";
        var removed = new List<long>();
        using (var mark = new NpgsqlCommand(
            $"UPDATE images SET status = 'removed', error_reason = 'removal_requested', error = 'a removal request covers this image; its faces were deleted', indexed_at = fi_now_ms(), claimed_by = NULL, lease_until = NULL WHERE {where} AND status <> 'removed' RETURNING id",
            c,
            tx))
        {
            mark.Parameters.AddWithValue("d", datasetId);
            mark.Parameters.AddWithValue("v", value);
            mark.Parameters.Add(new NpgsqlParameter("sha", NpgsqlDbType.Bytea) { Value = (object?)sha ?? DBNull.Value });
            using var r = mark.ExecuteReader();
            while (r.Read())
            {
                removed.Add(r.GetInt64(0));
            }
        }

        int faces;
        using (var delete = new NpgsqlCommand(
            """
            WITH d AS (DELETE FROM faces WHERE image_id = ANY(@ids) RETURNING id),
                 t AS (INSERT INTO face_tombstones (face_id, removed_at) SELECT id, fi_now_ms() FROM d RETURNING 1)
            SELECT count(*) FROM t
            """,
            c,
            tx))
        {
            delete.Parameters.AddWithValue("ids", removed.ToArray());
            faces = Convert.ToInt32(delete.ExecuteScalar(), CultureInfo.InvariantCulture);
        }

        using (var count = new NpgsqlCommand("UPDATE removals SET faces_removed = @f, images_removed = @i WHERE id = @id", c, tx))
        {
            count.Parameters.AddWithValue("f", faces);
            count.Parameters.AddWithValue("i", removed.Count);
            count.Parameters.AddWithValue("id", removalId);
            count.ExecuteNonQuery();
        }

        return new RemovalInfo(removalId, dataset, kind, value, sha, reason, DateTimeOffset.FromUnixTimeMilliseconds(requestedAt), faces, removed.Count);
    });

    private static HashSet<ImageResult> BlockedSet(NpgsqlConnection c, NpgsqlTransaction tx, long datasetId, List<ImageResult> images)
    {
        var set = new HashSet<ImageResult>(ReferenceEqualityComparer.Instance);
        if (images.Count == 0)
        {
            return set;
        }

        using var cmd = new NpgsqlCommand(
            """
            SELECT kind, value, sha256, dataset_id = @d FROM removals
            WHERE (dataset_id = @d AND kind = 'identity' AND value = ANY(@identities))
               OR (dataset_id = @d AND kind = 'image' AND value = ANY(@paths))
               OR sha256 = ANY(@shas)
            """,
            c,
            tx);
        cmd.Parameters.AddWithValue("d", datasetId);
        cmd.Parameters.AddWithValue("identities", images.Where(i => i.Identity is not null).Select(i => i.Identity!).Distinct(StringComparer.Ordinal).ToArray());
        cmd.Parameters.AddWithValue("paths", images.Select(i => i.RelPath).ToArray());
        cmd.Parameters.Add(new NpgsqlParameter("shas", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = images.Select(i => i.Sha256).ToArray() });
        var identities = new HashSet<string>(StringComparer.Ordinal);
        var paths = new HashSet<string>(StringComparer.Ordinal);
        var shas = new HashSet<string>(StringComparer.Ordinal);
        using (var r = cmd.ExecuteReader())
        {
            while (r.Read())
            {
                if (r.GetBoolean(3))
                {
                    (string.Equals(r.GetString(0), "identity", StringComparison.Ordinal) ? identities : paths).Add(r.GetString(1));
                }

                if (!r.IsDBNull(2))
                {
                    shas.Add(Convert.ToHexString((byte[])r.GetValue(2)));
                }
            }
        }

        foreach (var image in images)
        {
            if ((image.Identity is not null && identities.Contains(image.Identity)) || paths.Contains(image.RelPath) || shas.Contains(Convert.ToHexString(image.Sha256)))
            {
                set.Add(image);
            }
        }

        return set;
    }
}
