using Npgsql;

namespace FaceIndex.Catalog.Postgres;

public sealed partial class PgCatalog
{
    /// <summary>Per-dataset counts, the workers that are running (or were, and went silent), and an ETA from the live
    /// workers' rates.</summary>
    public PgStatus Status(CancellationToken cancellationToken = default) => Run(
        "read the status",
        c =>
        {
            var datasets = new List<PgDatasetProgress>();
            using (var cmd = new NpgsqlCommand(
                """
                SELECT d.name, count(i.id),
                  count(*) FILTER (WHERE i.status = 'pending' AND (i.lease_until IS NULL OR i.lease_until < fi_now_ms())),
                  count(*) FILTER (WHERE i.status = 'pending' AND i.lease_until >= fi_now_ms()),
                  count(*) FILTER (WHERE i.status IN ('ok', 'no_face')),
                  count(*) FILTER (WHERE i.status = 'failed'),
                  count(*) FILTER (WHERE i.status = 'removed'),
                  (SELECT count(*) FROM faces f JOIN images fi ON fi.id = f.image_id WHERE fi.dataset_id = d.id)
                FROM datasets d LEFT JOIN images i ON i.dataset_id = d.id
                GROUP BY d.id, d.name ORDER BY d.name
                """,
                c))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    datasets.Add(new PgDatasetProgress(r.GetString(0), r.GetInt64(1), r.GetInt64(2), r.GetInt64(3), r.GetInt64(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7)));
                }
            }

            var workers = new List<PgWorker>();
            var silentAfter = (long)Lease.TotalMilliseconds * 2;
            using (var cmd = new NpgsqlCommand(
                """
                SELECT r.id, d.name, r.host, r.pid, r.started_at, r.heartbeat_at, r.images_done, r.faces_done, fi_now_ms()
                FROM runs r JOIN datasets d ON d.id = r.dataset_id
                WHERE r.status = 'running' AND r.host IS NOT NULL ORDER BY r.id
                """,
                c))
            using (var r = cmd.ExecuteReader())
            {
                while (r.Read())
                {
                    var started = r.GetInt64(4);
                    long? beat = r.IsDBNull(5) ? null : r.GetInt64(5);
                    var now = r.GetInt64(8);
                    var done = r.GetInt32(6);
                    var seconds = ((beat ?? now) - started) / 1000.0;
                    workers.Add(new PgWorker(
                        r.GetInt64(0),
                        r.GetString(1),
                        r.IsDBNull(2) ? null : r.GetString(2),
                        r.IsDBNull(3) ? null : r.GetInt32(3),
                        DateTimeOffset.FromUnixTimeMilliseconds(started),
                        beat is { } b ? DateTimeOffset.FromUnixTimeMilliseconds(b) : null,
                        done,
                        r.GetInt32(7),
                        seconds > 0 ? done / seconds : 0,
                        beat is { } b2 && now - b2 <= silentAfter));
                }
            }

            var rate = workers.Where(w => w.Alive).Sum(w => w.ImagesPerSecond);
            var left = datasets.Sum(d => d.Pending + d.Claimed);
            TimeSpan? eta = left == 0 ? TimeSpan.Zero : rate > 0 ? TimeSpan.FromSeconds(left / rate) : null;
            return new PgStatus(Library.Display, datasets, workers, eta);
        },
        cancellationToken);

    /// <summary>The highest face id ever assigned (ids are never reused, so a removal does not lower it), or 0.</summary>
    public long MaxFaceId() => Run("read the highest face id", c => Convert.ToInt64(
        Scalar(c, null, "SELECT greatest((SELECT CASE WHEN is_called THEN last_value ELSE 0 END FROM faces_id_seq), (SELECT coalesce(max(id), 0) FROM faces))"),
        System.Globalization.CultureInfo.InvariantCulture));

    /// <summary>The highest tombstone sequence number, or 0.</summary>
    internal long MaxTombstone() => Run("read the removal log", c => Convert.ToInt64(Scalar(c, null, "SELECT coalesce(max(seq), 0) FROM face_tombstones"), System.Globalization.CultureInfo.InvariantCulture));

    internal IReadOnlyList<PgDatasetRow> DatasetRows() => Run("read the datasets", c =>
    {
        using var cmd = new NpgsqlCommand("SELECT id, name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes FROM datasets ORDER BY id", c);
        using var r = cmd.ExecuteReader();
        var list = new List<PgDatasetRow>();
        while (r.Read())
        {
            list.Add(new PgDatasetRow(
                r.GetInt64(0), r.GetString(1), r.GetString(2), r.GetString(3), Text(r, 4), Text(r, 5), Text(r, 6), r.GetString(7), r.GetInt64(8), Text(r, 9)));
        }

        return (IReadOnlyList<PgDatasetRow>)list;
    });

    /// <summary>Faces with ids in (<paramref name="after"/>, <paramref name="upTo"/>], in id order, at most
    /// <paramref name="limit"/>, with their images.</summary>
    internal (IReadOnlyList<PgFaceRow> Faces, IReadOnlyList<PgImageRow> Images) FacesAfter(long after, long upTo, int limit) => Run("read faces", c =>
    {
        var faces = new List<PgFaceRow>();
        using (var cmd = new NpgsqlCommand(
            """
            SELECT f.id, f.image_id, f.face_index, f.box_l, f.box_t, f.box_r, f.box_b, f.score, f.landmarks, m.name, m.dimension, f.embedding, f.is_subject
            FROM faces f LEFT JOIN models m ON m.id = f.model_id
            WHERE f.id > @after AND f.id <= @upto ORDER BY f.id LIMIT @n
            """,
            c))
        {
            cmd.Parameters.AddWithValue("after", after);
            cmd.Parameters.AddWithValue("upto", upTo);
            cmd.Parameters.AddWithValue("n", limit);
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                faces.Add(new PgFaceRow(
                    r.GetInt64(0), r.GetInt64(1), r.GetInt32(2), r.GetInt32(3), r.GetInt32(4), r.GetInt32(5), r.GetInt32(6), r.GetDouble(7),
                    r.IsDBNull(8) ? null : (byte[])r.GetValue(8), Text(r, 9), r.IsDBNull(10) ? 0 : r.GetInt32(10), r.IsDBNull(11) ? null : (byte[])r.GetValue(11), r.GetBoolean(12)));
            }
        }

        var images = new List<PgImageRow>();
        using (var cmd = new NpgsqlCommand(
            "SELECT id, dataset_id, rel_path, sha256, size_bytes, width, height, identity, status, indexed_at FROM images WHERE id = ANY(@ids)",
            c))
        {
            cmd.Parameters.AddWithValue("ids", faces.Select(f => f.ImageId).Distinct().ToArray());
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                images.Add(new PgImageRow(
                    r.GetInt64(0), r.GetInt64(1), r.GetString(2), r.IsDBNull(3) ? null : (byte[])r.GetValue(3), r.GetInt64(4), r.GetInt32(5), r.GetInt32(6),
                    Text(r, 7), r.GetString(8), r.IsDBNull(9) ? null : r.GetInt64(9)));
            }
        }

        return ((IReadOnlyList<PgFaceRow>)faces, (IReadOnlyList<PgImageRow>)images);
    });

    /// <summary>Face ids deleted with tombstone sequence in (<paramref name="after"/>, <paramref name="upTo"/>].</summary>
    internal IReadOnlyList<long> TombstonesAfter(long after, long upTo) => Run("read the removal log", c =>
    {
        using var cmd = new NpgsqlCommand("SELECT face_id FROM face_tombstones WHERE seq > @a AND seq <= @u", c);
        cmd.Parameters.AddWithValue("a", after);
        cmd.Parameters.AddWithValue("u", upTo);
        using var r = cmd.ExecuteReader();
        var list = new List<long>();
        while (r.Read())
        {
            list.Add(r.GetInt64(0));
        }

        return (IReadOnlyList<long>)list;
    });

    private static string? Text(NpgsqlDataReader r, int i) => r.IsDBNull(i) ? null : r.GetString(i);
}
