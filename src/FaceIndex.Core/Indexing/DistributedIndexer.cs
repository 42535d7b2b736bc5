using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using FaceIndex.Catalog;
using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Pipeline;

namespace FaceIndex.Indexing;

/// <summary>
/// One of many cooperating workers indexing a dataset into a PostgreSQL catalog. It registers the image list (once,
/// whichever worker comes first), checks its folder shows the same dataset, then claims batches of pending images
/// under a lease, runs them through the same stages as <see cref="DatasetIndexer"/> (decode, detect, landmarks and
/// align on every core, batched embedding) and commits each batch with its faces in one transaction that writes only
/// the images it still holds. A heartbeat renews its leases; a worker that dies leaves leases that expire, and the
/// others claim those images again. It ends when no image of the dataset is pending.
/// </summary>
public sealed class DistributedIndexer
{
    private readonly FaceEngine _engine;
    private readonly PgCatalog _catalog;
    private readonly IndexerOptions _options;
    private readonly int _claimBatch;
    private readonly ConcurrentDictionary<string, long> _stageTicks = new(StringComparer.Ordinal);

    /// <param name="claimBatch">Images claimed at a time (smaller spreads a small dataset over more workers).</param>
    public DistributedIndexer(FaceEngine engine, PgCatalog catalog, IndexerOptions? options = null, int claimBatch = 32)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _options = options ?? new IndexerOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(claimBatch);
        _claimBatch = claimBatch;
    }

    /// <summary>Works on the dataset at <paramref name="root"/> until none of its images is pending.</summary>
    public IndexSummary Run(DatasetInfo info, string root, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        root = Path.GetFullPath(root);
        var scan = DatasetScanner.Scan(root, info.Layout, info.Manifest);
        var resolved = info with { Layout = scan.Layout };
        var fingerprint = DatasetFingerprint.Compute(root, scan.Images);
        var datasetId = _catalog.RegisterDataset(resolved, root, fingerprint, scan.Images, cancellationToken);
        if (_options.RetryFailed)
        {
            _catalog.ResetFailed(datasetId);
        }

        var settings = JsonSerializer.Serialize(new
        {
            root,
            layout = DatasetInfo.LayoutName(scan.Layout),
            workers = _options.EffectiveWorkers,
            upsample = _options.Upsample,
            subject = _options.Subject.ToString(),
            retryFailed = _options.RetryFailed,
            embedBatch = _options.EmbedBatch,
            maxFaces = _options.MaxFaces,
            claimBatch = _claimBatch,
            leaseSeconds = _catalog.Lease.TotalSeconds,
            detector = _options.Detector.Name(),
            modelId = _engine.Embedder.ModelId,
        });
        var runId = _catalog.StartRun(datasetId, settings, RunVersions.Json(_engine));
        var counters = new Counters { Total = (int)Math.Min(int.MaxValue, _catalog.Outstanding(datasetId, cancellationToken)) };
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        using var stopBeat = new CancellationTokenSource();
        var heartbeat = Task.Run(() => Heartbeat(runId, stopBeat.Token), CancellationToken.None);
        try
        {
            RunStages(datasetId, runId, root, counters, failures, clock, progress, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            Finish(runId, RunStatus.Interrupted, counters, clock, stopBeat, heartbeat);
            throw;
        }
        catch (Exception ex) when (ex is not FaceIndexException)
        {
            Finish(runId, RunStatus.Failed, counters, clock, stopBeat, heartbeat);
            throw new FaceIndexException($"indexing {root} into {_catalog.Library.Display} stopped: {ex.Message}; what was committed is kept, and its claims expire for other workers", ex);
        }
        catch
        {
            Finish(runId, RunStatus.Failed, counters, clock, stopBeat, heartbeat);
            throw;
        }

        var summary = new IndexSummary(
            runId,
            info.Name,
            counters.Total,
            counters.Done,
            0,
            counters.Blocked,
            counters.Faces,
            counters.NoFace,
            counters.Failed,
            new SortedDictionary<string, int>(failures, StringComparer.Ordinal),
            _stageTicks.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / (double)Stopwatch.Frequency, 3), StringComparer.Ordinal),
            clock.Elapsed);
        stopBeat.Cancel();
        heartbeat.Wait(CancellationToken.None);
        _catalog.FinishRun(runId, RunStatus.Completed, CountsJson(counters), JsonSerializer.Serialize(summary.StageSeconds));
        return summary;
    }

    private void Heartbeat(long runId, CancellationToken token)
    {
        var every = TimeSpan.FromMilliseconds(Math.Max(200, _catalog.Lease.TotalMilliseconds / 4));
        while (!token.WaitHandle.WaitOne(every))
        {
            try
            {
                _catalog.Heartbeat(runId);
            }
            catch (FaceIndexException)
            {
                // The server is away longer than the retries; the claims may expire and go to others, which is safe:
                // a commit writes only images this run still holds. The commit path reports a lasting outage.
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    private void Finish(long runId, RunStatus status, Counters counters, Stopwatch clock, CancellationTokenSource stopBeat, Task heartbeat)
    {
        stopBeat.Cancel();
        heartbeat.Wait(CancellationToken.None);
        try
        {
            _catalog.FinishRun(runId, status, CountsJson(counters), JsonSerializer.Serialize(new { elapsedSeconds = clock.Elapsed.TotalSeconds }));
        }
        catch (FaceIndexException)
        {
            // The run stays 'running' until its heartbeat is stale; the original error matters more.
        }
    }

    /// <summary>Claims batches as the stages ask for work; waits while other workers hold the last claims (one may
    /// die and its images come back), ends when nothing is pending.</summary>
    private IEnumerable<ClaimedImage> ClaimAll(long datasetId, long runId, CancellationToken token)
    {
        while (true)
        {
            token.ThrowIfCancellationRequested();
            var claimed = _catalog.Claim(datasetId, runId, _claimBatch, token);
            if (claimed.Count > 0)
            {
                foreach (var image in claimed)
                {
                    yield return image;
                }

                continue;
            }

            if (_catalog.Outstanding(datasetId, token) == 0)
            {
                yield break;
            }

            if (token.WaitHandle.WaitOne(TimeSpan.FromMilliseconds(Math.Clamp(_catalog.Lease.TotalMilliseconds / 4, 200, 2000))))
            {
                token.ThrowIfCancellationRequested();
            }
        }
    }

    private void RunStages(
        long datasetId, long runId, string root, Counters counters, ConcurrentDictionary<string, int> failures, Stopwatch clock, IProgress<IndexProgress>? progress, CancellationToken cancellationToken)
    {
        var results = Channel.CreateBounded<(long Id, ImageResult Result)>(new BoundedChannelOptions(_options.CommitImages * 2) { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;
        var stages = StagedRun.Start(
            ClaimAll(datasetId, runId, token),
            _options.EffectiveWorkers,
            () => _engine.CreatePipeline(new PipelineOptions(Upsample: _options.Upsample, Embed: false, KeepChips: true, MaxFaces: _options.MaxFaces, Detector: _options.Detector)),
            (pipeline, job) => AnalyseOne(pipeline, job, root),
            item => item.Faces.Count,
            _options.EmbedBatch,
            batch => EmbedBatch(batch, results.Writer, token),
            token);
        var stagesDone = stages.ContinueWith(t => results.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);
        try
        {
            WriteStage(results.Reader, datasetId, runId, counters, failures, clock, progress, token);
        }
        catch
        {
            linked.Cancel();
            stagesDone.Wait(CancellationToken.None);
            throw;
        }

        stagesDone.Wait(CancellationToken.None);
        StagedRun.Wait(stages, cancellationToken);
    }

    private Analysed AnalyseOne(FacePipeline pipeline, ClaimedImage job, string root)
    {
        var image = AnalysedImage.Run(_engine, pipeline, root, job.RelPath, "start the worker again", skip: null, AddTicks)!;
        return new Analysed(job, image.Sha256, image.Size, image.Width, image.Height, image.Faces, image.ErrorReason, image.Error);
    }

    private void EmbedBatch(List<Analysed> pending, ChannelWriter<(long, ImageResult)> writer, CancellationToken token)
    {
        var embedder = _engine.Embedder;
        var chips = pending.SelectMany(item => item.Faces.Select(f => f.Chip!)).ToList();
        var started = Stopwatch.GetTimestamp();
        var embeddings = chips.Count > 0 ? embedder.Embed(chips) : [];
        AddTicks("embed", started);
        var next = 0;
        foreach (var item in pending)
        {
            var faces = new List<ImageFace>(item.Faces.Count);
            var subject = SubjectSelector.Select(item.Faces, item.Width, item.Height, _options.Subject);
            foreach (var face in item.Faces)
            {
                var embedded = face with { Embedding = embeddings[next++], ModelId = embedder.ModelId, Chip = null };
                faces.Add(new ImageFace(embedded, _options.Subject == SubjectPolicy.All || face.Index == subject));
            }

            var status = item.ErrorReason is not null ? ImageStatus.Failed : faces.Count == 0 ? ImageStatus.NoFace : ImageStatus.Ok;
            var result = new ImageResult(item.Job.RelPath, item.Sha256, item.Size, item.Width, item.Height, item.Job.Identity, status, item.ErrorReason, item.Error, faces);
            writer.WriteAsync((item.Job.Id, result), token).AsTask().GetAwaiter().GetResult();
        }
    }

    private void WriteStage(
        ChannelReader<(long Id, ImageResult Result)> reader,
        long datasetId,
        long runId,
        Counters counters,
        ConcurrentDictionary<string, int> failures,
        Stopwatch clock,
        IProgress<IndexProgress>? progress,
        CancellationToken token)
    {
        var batch = new List<(long, ImageResult)>(_options.CommitImages);
        var lastCommit = Stopwatch.GetTimestamp();
        void Commit()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var summary = _catalog.CommitClaimed(runId, datasetId, batch, token);
            AddTicks("commit", started);
            counters.Blocked += summary.Blocked;
            counters.Dropped += summary.Dropped;
            if (summary.Dropped == 0)
            {
                foreach (var (_, r) in batch)
                {
                    Count(r, counters, failures);
                }
            }
            else
            {
                // Which were dropped is not worth a round trip: count the written ones by status only roughly.
                counters.Done += summary.Images;
                counters.Faces += summary.Faces;
            }

            batch.Clear();
            lastCommit = Stopwatch.GetTimestamp();
            progress?.Report(Snapshot(counters, clock));
        }

        while (true)
        {
            // Commit what is waiting whenever the stages go quiet: the claim loop ends only once this worker's own
            // claims are committed, so holding a partial batch until more results arrive would wait forever.
            var wait = reader.WaitToReadAsync(token).AsTask();
            while (!((IAsyncResult)wait).AsyncWaitHandle.WaitOne(TimeSpan.FromMilliseconds(500)))
            {
                Commit();
            }

            if (!wait.GetAwaiter().GetResult())
            {
                break;
            }

            while (reader.TryRead(out var result))
            {
                batch.Add(result);
                if (batch.Count >= _options.CommitImages || Stopwatch.GetElapsedTime(lastCommit) > TimeSpan.FromSeconds(2))
                {
                    Commit();
                }
            }

            if (Stopwatch.GetElapsedTime(lastCommit) > TimeSpan.FromSeconds(1))
            {
                Commit();
            }
        }

        Commit();
    }

    private static void Count(ImageResult r, Counters counters, ConcurrentDictionary<string, int> failures)
    {
        counters.Done++;
        switch (r.Status)
        {
            case ImageStatus.Failed:
                counters.Failed++;
                failures.AddOrUpdate(r.ErrorReason ?? "Unknown", 1, (_, n) => n + 1);
                break;
            case ImageStatus.NoFace:
                counters.NoFace++;
                break;
            default:
                counters.Faces += r.Faces.Count;
                break;
        }
    }

    private static IndexProgress Snapshot(Counters c, Stopwatch clock) => new(Math.Max(c.Total, c.Done), c.Done, 0, c.Faces, c.NoFace, c.Failed, clock.Elapsed);

    private static string CountsJson(Counters c) => JsonSerializer.Serialize(new
    {
        outstandingAtStart = c.Total,
        processed = c.Done,
        blocked = c.Blocked,
        dropped = c.Dropped,
        faces = c.Faces,
        noFace = c.NoFace,
        failed = c.Failed,
    });

    private void AddTicks(string stage, long started) =>
        _stageTicks.AddOrUpdate(stage, Stopwatch.GetTimestamp() - started, (_, t) => t + (Stopwatch.GetTimestamp() - started));

    private sealed record Analysed(
        ClaimedImage Job, byte[] Sha256, long Size, int Width, int Height, IReadOnlyList<FaceRecord> Faces, string? ErrorReason, string? Error);

    /// <summary>Touched only by the writer thread (and read for the summary after it ends).</summary>
    private sealed class Counters
    {
        public int Total;
        public int Done;
        public int Blocked;
        public int Dropped;
        public int Faces;
        public int NoFace;
        public int Failed;
    }
}
