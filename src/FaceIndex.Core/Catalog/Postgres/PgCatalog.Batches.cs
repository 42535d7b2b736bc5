using System.Globalization;
using FaceIndex.Datasets;
using Npgsql;
using NpgsqlTypes;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// The PostgreSQL catalog's single-writer operations of the catalog contract (<see cref="IFaceCatalog"/>): what a
/// merge, a test or any non-worker writer uses, with the SQLite catalog's meaning. Cooperating workers use the claim
/// protocol (<see cref="RegisterDataset(DatasetInfo, string, DatasetFingerprint, IReadOnlyList{DatasetImage}, CancellationToken)"/>,
/// <see cref="Claim"/>, <see cref="CommitClaimed"/>) instead.
/// </summary>
public sealed partial class PgCatalog
{
    /// <summary>
    /// Records a dataset, or updates its licence, provenance and layout (idempotent); registers no image list, so a
    /// worker that comes later still registers its images (those already committed are kept). The root of the first
    /// registration is kept: every machine may mount the dataset elsewhere.
    /// </summary>
    public long RegisterDataset(DatasetInfo info, string rootPath)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (string.IsNullOrWhiteSpace(info.Licence))
        {
            throw new FaceIndexException($"the dataset \"{info.Name}\" states no licence: pass --licence (or --licence {DatasetInfo.UnknownLicence}) or add \"licence\" to its {DatasetInfo.FileName}.");
        }

        return Run("record the dataset " + info.Name, c =>
        {
            using var cmd = new NpgsqlCommand(
                """
                INSERT INTO datasets (name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes)
                VALUES (@name, @root, @licence, @source, @citation, @consent, @layout, fi_now_ms(), @notes)
                ON CONFLICT (name) DO UPDATE SET licence = excluded.licence, source_url = excluded.source_url, citation = excluded.citation,
                  consent_basis = excluded.consent_basis, layout = excluded.layout, notes = excluded.notes
                RETURNING id
                """,
                c);
            cmd.Parameters.AddWithValue("name", info.Name);
            cmd.Parameters.AddWithValue("root", Path.GetFullPath(rootPath));
            cmd.Parameters.AddWithValue("licence", info.Licence);
            cmd.Parameters.Add(TextParameter("source", info.SourceUrl));
            cmd.Parameters.Add(TextParameter("citation", info.Citation));
            cmd.Parameters.Add(TextParameter("consent", info.ConsentBasis));
            cmd.Parameters.AddWithValue("layout", DatasetInfo.LayoutName(info.Layout));
            cmd.Parameters.Add(TextParameter("notes", info.Notes));
            return (long)cmd.ExecuteScalar()!;
        });
    }

    /// <summary>Starts a run over a registered dataset, by name (recording this host and process as a worker does).</summary>
    public long StartRun(string dataset, string? settingsJson = null, string? versionsJson = null) =>
        StartRun(DatasetKey(dataset), settingsJson, versionsJson);

    /// <summary>
    /// Writes a batch of images with their faces in one transaction, as the SQLite catalog does: an image already
    /// recorded at the same path (committed, or pending under a worker's claim) is replaced, faces included, and its
    /// claim dropped, so a worker holding it writes nothing for it; images a removal request covers are recorded as
    /// removed, without faces. Replaced faces' ids are logged for index folders.
    /// </summary>
    public CommitSummary CommitBatch(long runId, IReadOnlyList<ImageResult> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        foreach (var image in images)
        {
            FaceCatalog.Validate(image);
        }

        return Transaction("commit a batch of " + images.Count.ToString(CultureInfo.InvariantCulture) + " images", (c, tx) =>
        {
            long datasetId;
            using (var run = new NpgsqlCommand("SELECT dataset_id, status FROM runs WHERE id = @id", c, tx))
            {
                run.Parameters.AddWithValue("id", runId);
                using var r = run.ExecuteReader();
                if (!r.Read())
                {
                    throw new CatalogException($"no run {runId.ToString(CultureInfo.InvariantCulture)} in {Library.Display}: start one first");
                }

                if (!string.Equals(r.GetString(1), "running", StringComparison.Ordinal))
                {
                    throw new CatalogException($"run {runId.ToString(CultureInfo.InvariantCulture)} is {r.GetString(1)}: start a new run to write more");
                }

                datasetId = r.GetInt64(0);
            }

            if (images.Count == 0)
            {
                return new CommitSummary(0, 0, 0);
            }

            // One row per path (the last result wins, as consecutive SQLite upserts would leave it).
            var last = new Dictionary<string, ImageResult>(StringComparer.Ordinal);
            foreach (var image in images)
            {
                last[image.RelPath] = image;
            }

            var kept = last.Values.ToList();
            var blocked = BlockedSet(c, tx, datasetId, kept);
            var ids = Upsert(c, tx, datasetId, runId, kept, blocked);
            var faces = InsertFaces(c, tx, kept.Where(i => !blocked.Contains(i)).Select(i => (ids[i.RelPath], i)).ToList());
            using (var beat = new NpgsqlCommand("UPDATE runs SET images_done = images_done + @n, faces_done = faces_done + @f, heartbeat_at = fi_now_ms() WHERE id = @run", c, tx))
            {
                beat.Parameters.AddWithValue("n", kept.Count);
                beat.Parameters.AddWithValue("f", faces);
                beat.Parameters.AddWithValue("run", runId);
                beat.ExecuteNonQuery();
            }

            return new CommitSummary(images.Count, faces, images.Count(blocked.Contains));
        });
    }

    /// <summary>Deletes every face of an identity of a dataset, marks its images removed (pending ones too: never claimed), logs the request.</summary>
    public RemovalInfo RemoveIdentity(string dataset, string identity, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(identity);
        return RemoveLogged(dataset, RemovalKind.Identity, identity, reason);
    }

    /// <summary>Deletes one image's faces (and its content's anywhere in the library), marks it removed, logs the request
    /// (even when the image is not yet in the catalog).</summary>
    public RemovalInfo RemoveImage(string dataset, string relPath, string? reason)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(relPath);
        return RemoveLogged(dataset, RemovalKind.Image, relPath, reason);
    }

    private long DatasetKey(string dataset) => Run("find the dataset " + dataset, c =>
    {
        using var find = new NpgsqlCommand("SELECT id FROM datasets WHERE name = @n", c);
        find.Parameters.AddWithValue("n", dataset);
        return find.ExecuteScalar() is long id
            ? id
            : throw new CatalogException($"the library {Library.Display} has no dataset named \"{dataset}\": index it first, or check the name (see the list of datasets).");
    });

    private static Dictionary<string, long> Upsert(
        NpgsqlConnection c, NpgsqlTransaction tx, long datasetId, long runId, List<ImageResult> images, HashSet<ImageResult> blocked)
    {
        using var upsert = new NpgsqlCommand(
            """
            INSERT INTO images (dataset_id, rel_path, sha256, size_bytes, width, height, identity, status, error_reason, error, run_id, indexed_at)
            SELECT @d, p, sha, size, w, h, ident, st, reason, err, @run, fi_now_ms()
            FROM unnest(@paths, @shas, @sizes, @ws, @hs, @identities, @statuses, @reasons, @errors) AS u(p, sha, size, w, h, ident, st, reason, err)
            ON CONFLICT (dataset_id, rel_path) DO UPDATE SET sha256 = excluded.sha256, size_bytes = excluded.size_bytes,
              width = excluded.width, height = excluded.height, identity = excluded.identity, status = excluded.status,
              error_reason = excluded.error_reason, error = excluded.error, run_id = excluded.run_id, indexed_at = excluded.indexed_at,
              claimed_by = NULL, lease_until = NULL
            RETURNING id, rel_path
            """,
            c,
            tx);
        upsert.Parameters.AddWithValue("d", datasetId);
        upsert.Parameters.AddWithValue("run", runId);
        upsert.Parameters.AddWithValue("paths", images.Select(i => i.RelPath).ToArray());
        upsert.Parameters.Add(new NpgsqlParameter("shas", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = images.Select(i => i.Sha256).ToArray() });
        upsert.Parameters.AddWithValue("sizes", images.Select(i => i.SizeBytes).ToArray());
        upsert.Parameters.AddWithValue("ws", images.Select(i => i.Width).ToArray());
        upsert.Parameters.AddWithValue("hs", images.Select(i => i.Height).ToArray());
        upsert.Parameters.Add(TextArray("identities", images.Select(i => i.Identity)));
        upsert.Parameters.AddWithValue("statuses", images.Select(i => FaceCatalog.StatusName(blocked.Contains(i) ? ImageStatus.Removed : i.Status)).ToArray());
        upsert.Parameters.Add(TextArray("reasons", images.Select(i => blocked.Contains(i) ? "removal_requested" : i.ErrorReason)));
        upsert.Parameters.Add(TextArray("errors", images.Select(i => blocked.Contains(i) ? "a removal request covers this image; it is not indexed" : i.Error)));
        var ids = new Dictionary<string, long>(StringComparer.Ordinal);
        using (var r = upsert.ExecuteReader())
        {
            while (r.Read())
            {
                ids[r.GetString(1)] = r.GetInt64(0);
            }
        }

        using var clear = new NpgsqlCommand(
            """
            WITH d AS (DELETE FROM faces WHERE image_id = ANY(@ids) RETURNING id)
            INSERT INTO face_tombstones (face_id, removed_at) SELECT id, fi_now_ms() FROM d
            """,
            c,
            tx);
        clear.Parameters.AddWithValue("ids", ids.Values.ToArray());
        clear.ExecuteNonQuery();
        return ids;
    }

    private static int InsertFaces(NpgsqlConnection c, NpgsqlTransaction tx, List<(long ImageId, ImageResult Image)> images)
    {
        var rows = images.SelectMany(x => x.Image.Faces.Select(f => (x.ImageId, x.Image, f.Face, f.IsSubject))).ToList();
        if (rows.Count == 0)
        {
            return 0;
        }

        var models = new Dictionary<string, (int Id, int Dimension)>(StringComparer.Ordinal);
        var modelIds = new object[rows.Count];
        var embeddings = new object[rows.Count];
        for (var n = 0; n < rows.Count; n++)
        {
            var (_, image, face, _) = rows[n];
            if (face.Embedding is null)
            {
                modelIds[n] = DBNull.Value;
                embeddings[n] = DBNull.Value;
                continue;
            }

            var name = face.ModelId ?? throw new ArgumentException($"{image.RelPath}: face {face.Index} has an embedding but no model id", nameof(images));
            if (!models.TryGetValue(name, out var model))
            {
                model = ModelKey(c, tx, name, face.Embedding.Length);
                models.Add(name, model);
            }

            if (model.Dimension != face.Embedding.Length)
            {
                throw new CatalogException($"{image.RelPath}: face {face.Index} has a {face.Embedding.Length}-d embedding, but the catalog holds {model.Dimension}-d ones for model {name}: a model id must name one embedding size.");
            }

            modelIds[n] = model.Id;
            embeddings[n] = FaceBlobs.EncodeEmbedding(face.Embedding);
        }

        using var insert = new NpgsqlCommand(
            """
            INSERT INTO faces (image_id, face_index, box_l, box_t, box_r, box_b, score, landmarks, model_id, embedding, is_subject)
            SELECT img, idx, l, t, r, b, score, lm, model, emb, subject
            FROM unnest(@img, @idx, @l, @t, @r, @b, @score, @lm, @model, @emb, @subject)
              WITH ORDINALITY AS u(img, idx, l, t, r, b, score, lm, model, emb, subject, ord)
            ORDER BY ord
            """,
            c,
            tx);
        insert.Parameters.AddWithValue("img", rows.Select(x => x.ImageId).ToArray());
        insert.Parameters.AddWithValue("idx", rows.Select(x => x.Face.Index).ToArray());
        insert.Parameters.AddWithValue("l", rows.Select(x => x.Face.Box.Left).ToArray());
        insert.Parameters.AddWithValue("t", rows.Select(x => x.Face.Box.Top).ToArray());
        insert.Parameters.AddWithValue("r", rows.Select(x => x.Face.Box.Right).ToArray());
        insert.Parameters.AddWithValue("b", rows.Select(x => x.Face.Box.Bottom).ToArray());
        insert.Parameters.AddWithValue("score", rows.Select(x => x.Face.Score).ToArray());
        insert.Parameters.Add(new NpgsqlParameter("lm", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = rows.Select(x => FaceBlobs.EncodeLandmarks(x.Face.Box, x.Face.Landmarks.Points)).ToArray() });
        insert.Parameters.Add(new NpgsqlParameter("model", NpgsqlDbType.Array | NpgsqlDbType.Integer) { Value = modelIds });
        insert.Parameters.Add(new NpgsqlParameter("emb", NpgsqlDbType.Array | NpgsqlDbType.Bytea) { Value = embeddings });
        insert.Parameters.AddWithValue("subject", rows.Select(x => x.IsSubject).ToArray());
        return insert.ExecuteNonQuery();
    }

    private static NpgsqlParameter TextArray(string name, IEnumerable<string?> values) =>
        new(name, NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = values.Select(v => (object?)v ?? DBNull.Value).ToArray() };
}
