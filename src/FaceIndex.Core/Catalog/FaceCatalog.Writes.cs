using System.Globalization;
using FaceIndex.Datasets;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

/// <summary>A dataset as the catalog records it.</summary>
public sealed record StoredDataset(long Id, DatasetInfo Info, string RootPath, DateTimeOffset CreatedAt);

public sealed partial class FaceCatalog
{
    /// <summary>Records a dataset (or updates its licence, provenance and root); its layout must be resolved.</summary>
    public long RegisterDataset(DatasetInfo info, string rootPath)
    {
        ArgumentNullException.ThrowIfNull(info);
        if (string.IsNullOrWhiteSpace(info.Licence))
        {
            throw new FaceIndexException($"the dataset \"{info.Name}\" states no licence: pass --licence (or --licence {DatasetInfo.UnknownLicence}) or add \"licence\" to its {DatasetInfo.FileName}.");
        }

        var layout = DatasetInfo.LayoutName(info.Layout);
        return Write("record the dataset " + info.Name, tx =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO datasets (name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes)
                VALUES ($name, $root, $licence, $source, $citation, $consent, $layout, $now, $notes)
                ON CONFLICT (name) DO UPDATE SET root_path = excluded.root_path, licence = excluded.licence,
                  source_url = excluded.source_url, citation = excluded.citation, consent_basis = excluded.consent_basis,
                  layout = excluded.layout, notes = excluded.notes
                RETURNING id
                """;
            cmd.Parameters.AddWithValue("$name", info.Name);
            cmd.Parameters.AddWithValue("$root", Path.GetFullPath(rootPath));
            cmd.Parameters.AddWithValue("$licence", info.Licence);
            cmd.Parameters.AddWithValue("$source", (object?)info.SourceUrl ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$citation", (object?)info.Citation ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$consent", (object?)info.ConsentBasis ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$layout", layout);
            cmd.Parameters.AddWithValue("$now", NowMs());
            cmd.Parameters.AddWithValue("$notes", (object?)info.Notes ?? DBNull.Value);
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    /// <summary>Starts a run over a registered dataset; settings and versions are JSON the caller chooses.</summary>
    public long StartRun(string dataset, string? settingsJson = null, string? versionsJson = null)
    {
        return Write("start a run", tx =>
        {
            var datasetId = DatasetId(dataset, tx);
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "INSERT INTO runs (dataset_id, started_at, status, settings, versions) VALUES ($d, $now, 'running', $s, $v) RETURNING id";
            cmd.Parameters.AddWithValue("$d", datasetId);
            cmd.Parameters.AddWithValue("$now", NowMs());
            cmd.Parameters.AddWithValue("$s", (object?)settingsJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$v", (object?)versionsJson ?? DBNull.Value);
            return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
        });
    }

    /// <summary>Ends a run with its status, counts and timings (JSON the caller chooses).</summary>
    public void FinishRun(long runId, RunStatus status, string? countsJson = null, string? timingsJson = null)
    {
        if (status == RunStatus.Running)
        {
            throw new ArgumentException("a run is finished as completed, interrupted or failed", nameof(status));
        }

        Write("finish a run", tx =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = "UPDATE runs SET status = $st, ended_at = $now, counts = $c, timings = $t WHERE id = $id";
            cmd.Parameters.AddWithValue("$st", RunStatusName(status));
            cmd.Parameters.AddWithValue("$now", NowMs());
            cmd.Parameters.AddWithValue("$c", (object?)countsJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$t", (object?)timingsJson ?? DBNull.Value);
            cmd.Parameters.AddWithValue("$id", runId);
            if (cmd.ExecuteNonQuery() != 1)
            {
                throw new CatalogException($"no run {runId.ToString(CultureInfo.InvariantCulture)} in {DatabasePath}");
            }

            return 0;
        });
    }

    /// <summary>
    /// Writes a batch of images with their faces in one transaction. An image already recorded at the same path
    /// is replaced, faces included, so re-processing never duplicates. Images covered by a removal request are
    /// recorded as removed, without faces.
    /// </summary>
    public CommitSummary CommitBatch(long runId, IReadOnlyList<ImageResult> images)
    {
        ArgumentNullException.ThrowIfNull(images);
        return Write("commit a batch of " + images.Count.ToString(CultureInfo.InvariantCulture) + " images", tx =>
        {
            var datasetId = RunDataset(runId, tx);
            var now = NowMs();
            using var blocked = BlockedCommand(tx);
            using var upsert = _connection.CreateCommand();
            upsert.Transaction = tx;
            upsert.CommandText = """
                INSERT INTO images (dataset_id, rel_path, sha256, size_bytes, width, height, identity, status, error_reason, error, run_id, indexed_at)
                VALUES ($d, $path, $sha, $size, $w, $h, $identity, $status, $reason, $error, $run, $now)
                ON CONFLICT (dataset_id, rel_path) DO UPDATE SET sha256 = excluded.sha256, size_bytes = excluded.size_bytes,
                  width = excluded.width, height = excluded.height, identity = excluded.identity, status = excluded.status,
                  error_reason = excluded.error_reason, error = excluded.error, run_id = excluded.run_id, indexed_at = excluded.indexed_at
                RETURNING id
                """;
            var pD = upsert.Parameters.Add("$d", SqliteType.Integer);
            var pPath = upsert.Parameters.Add("$path", SqliteType.Text);
            var pSha = upsert.Parameters.Add("$sha", SqliteType.Blob);
            var pSize = upsert.Parameters.Add("$size", SqliteType.Integer);
            var pW = upsert.Parameters.Add("$w", SqliteType.Integer);
            var pH = upsert.Parameters.Add("$h", SqliteType.Integer);
            var pIdentity = upsert.Parameters.Add("$identity", SqliteType.Text);
            var pStatus = upsert.Parameters.Add("$status", SqliteType.Text);
            var pReason = upsert.Parameters.Add("$reason", SqliteType.Text);
            var pError = upsert.Parameters.Add("$error", SqliteType.Text);
            upsert.Parameters.AddWithValue("$run", runId);
            upsert.Parameters.AddWithValue("$now", now);
            pD.Value = datasetId;

            using var clear = _connection.CreateCommand();
            clear.Transaction = tx;
            clear.CommandText = "DELETE FROM faces WHERE image_id = $i";
            var pClear = clear.Parameters.Add("$i", SqliteType.Integer);

            using var insert = _connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = """
                INSERT INTO faces (image_id, face_index, box_l, box_t, box_r, box_b, score, landmarks, model_id, embedding, is_subject)
                VALUES ($i, $n, $l, $t, $r, $b, $score, $lm, $model, $emb, $subject)
                """;
            var fI = insert.Parameters.Add("$i", SqliteType.Integer);
            var fN = insert.Parameters.Add("$n", SqliteType.Integer);
            var fL = insert.Parameters.Add("$l", SqliteType.Integer);
            var fT = insert.Parameters.Add("$t", SqliteType.Integer);
            var fR = insert.Parameters.Add("$r", SqliteType.Integer);
            var fB = insert.Parameters.Add("$b", SqliteType.Integer);
            var fScore = insert.Parameters.Add("$score", SqliteType.Real);
            var fLm = insert.Parameters.Add("$lm", SqliteType.Blob);
            var fModel = insert.Parameters.Add("$model", SqliteType.Integer);
            var fEmb = insert.Parameters.Add("$emb", SqliteType.Blob);
            var fSubject = insert.Parameters.Add("$subject", SqliteType.Integer);

            var models = new Dictionary<string, (long Id, int Dimension)>(StringComparer.Ordinal);
            int faces = 0, blockedCount = 0;
            foreach (var image in images)
            {
                Validate(image);
                var isBlocked = IsBlocked(blocked, datasetId, image.RelPath, image.Sha256, image.Identity);
                var status = isBlocked ? ImageStatus.Removed : image.Status;
                pPath.Value = image.RelPath;
                pSha.Value = image.Sha256;
                pSize.Value = image.SizeBytes;
                pW.Value = image.Width;
                pH.Value = image.Height;
                pIdentity.Value = (object?)image.Identity ?? DBNull.Value;
                pStatus.Value = StatusName(status);
                pReason.Value = isBlocked ? "removal_requested" : (object?)image.ErrorReason ?? DBNull.Value;
                pError.Value = isBlocked ? "a removal request covers this image; it is not indexed" : (object?)image.Error ?? DBNull.Value;
                var imageId = Convert.ToInt64(upsert.ExecuteScalar(), CultureInfo.InvariantCulture);
                pClear.Value = imageId;
                clear.ExecuteNonQuery();
                if (isBlocked)
                {
                    blockedCount++;
                    continue;
                }

                foreach (var (face, isSubject) in image.Faces)
                {
                    fI.Value = imageId;
                    fN.Value = face.Index;
                    fL.Value = face.Box.Left;
                    fT.Value = face.Box.Top;
                    fR.Value = face.Box.Right;
                    fB.Value = face.Box.Bottom;
                    fScore.Value = face.Score;
                    fLm.Value = FaceBlobs.EncodeLandmarks(face.Box, face.Landmarks.Points);
                    if (face.Embedding is null)
                    {
                        fModel.Value = DBNull.Value;
                        fEmb.Value = DBNull.Value;
                    }
                    else
                    {
                        var modelName = face.ModelId
                            ?? throw new ArgumentException($"{image.RelPath}: face {face.Index} has an embedding but no model id", nameof(images));
                        if (!models.TryGetValue(modelName, out var model))
                        {
                            model = ModelKey(modelName, face.Embedding.Length, tx);
                            models.Add(modelName, model);
                        }

                        if (model.Dimension != face.Embedding.Length)
                        {
                            throw new CatalogException(
                                $"{image.RelPath}: face {face.Index} has a {face.Embedding.Length}-d embedding, but the catalog holds {model.Dimension}-d ones for model {modelName}: a model id must name one embedding size.");
                        }

                        fModel.Value = model.Id;
                        fEmb.Value = FaceBlobs.EncodeEmbedding(face.Embedding);
                    }

                    fSubject.Value = isSubject ? 1 : 0;
                    insert.ExecuteNonQuery();
                    faces++;
                }
            }

            return new CommitSummary(images.Count, faces, blockedCount);
        });
    }

    internal static void Validate(ImageResult image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (string.IsNullOrEmpty(image.RelPath) || image.RelPath.Contains('\\', StringComparison.Ordinal) || image.RelPath.StartsWith('/'))
        {
            throw new ArgumentException($"\"{image.RelPath}\": a relative path with '/' separators is needed", nameof(image));
        }

        if (image.Sha256 is not { Length: 32 })
        {
            throw new ArgumentException($"{image.RelPath}: a 32-byte SHA-256 is needed", nameof(image));
        }

        if (image.Status == ImageStatus.Removed)
        {
            throw new ArgumentException($"{image.RelPath}: only the catalog marks images removed (use RemoveImage or RemoveIdentity)", nameof(image));
        }

        if (image.Status != ImageStatus.Ok && image.Faces.Count > 0)
        {
            throw new ArgumentException($"{image.RelPath}: an image with status {image.Status} cannot have faces", nameof(image));
        }
    }

    private (long Id, int Dimension) ModelKey(string name, int dimension, SqliteTransaction tx)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = """
            INSERT INTO models (name, dimension) VALUES ($n, $dim) ON CONFLICT (name) DO NOTHING;
            SELECT id, dimension FROM models WHERE name = $n;
            """;
        cmd.Parameters.AddWithValue("$n", name);
        cmd.Parameters.AddWithValue("$dim", dimension);
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt64(0), r.GetInt32(1));
    }

    private long DatasetId(string dataset, SqliteTransaction? tx)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT id FROM datasets WHERE name = $n";
        cmd.Parameters.AddWithValue("$n", dataset);
        return cmd.ExecuteScalar() is long id
            ? id
            : throw new CatalogException($"the library {Library} has no dataset named \"{dataset}\": index it first, or check the name (see the list of datasets).");
    }

    private long RunDataset(long runId, SqliteTransaction tx)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = "SELECT dataset_id, status FROM runs WHERE id = $id";
        cmd.Parameters.AddWithValue("$id", runId);
        using var r = cmd.ExecuteReader();
        if (!r.Read())
        {
            throw new CatalogException($"no run {runId.ToString(CultureInfo.InvariantCulture)} in {DatabasePath}: start one first");
        }

        if (!string.Equals(r.GetString(1), "running", StringComparison.Ordinal))
        {
            throw new CatalogException($"run {runId.ToString(CultureInfo.InvariantCulture)} is {r.GetString(1)}: start a new run to write more");
        }

        return r.GetInt64(0);
    }

    internal static string StatusName(ImageStatus status) => status switch
    {
        ImageStatus.Ok => "ok",
        ImageStatus.NoFace => "no_face",
        ImageStatus.Failed => "failed",
        ImageStatus.Removed => "removed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    internal static ImageStatus ParseStatus(string text) => text switch
    {
        "ok" => ImageStatus.Ok,
        "no_face" => ImageStatus.NoFace,
        "failed" => ImageStatus.Failed,
        "removed" => ImageStatus.Removed,
        _ => throw new CatalogException($"unknown image status \"{text}\" in the catalog: it was written by a newer FaceIndex"),
    };

    internal static string RunStatusName(RunStatus status) => status switch
    {
        RunStatus.Running => "running",
        RunStatus.Completed => "completed",
        RunStatus.Interrupted => "interrupted",
        RunStatus.Failed => "failed",
        _ => throw new ArgumentOutOfRangeException(nameof(status), status, null),
    };

    internal static RunStatus ParseRunStatus(string text) => text switch
    {
        "running" => RunStatus.Running,
        "completed" => RunStatus.Completed,
        "interrupted" => RunStatus.Interrupted,
        "failed" => RunStatus.Failed,
        _ => throw new CatalogException($"unknown run status \"{text}\" in the catalog: it was written by a newer FaceIndex"),
    };
}
