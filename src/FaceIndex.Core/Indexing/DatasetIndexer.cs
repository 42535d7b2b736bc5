using System.Collections.Concurrent;
using System.Diagnostics;
using System.Security.Cryptography;
using System.Text.Json;
using System.Threading.Channels;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Pipeline;
using FaceIndex.Search;

namespace FaceIndex.Indexing;

/// <summary>How a dataset is indexed.</summary>
/// <param name="Workers">Decode/detect/align threads; 0 means one per core.</param>
/// <param name="Upsample">HOG detector upsample count (0 finds faces of ~80 px and up; 1 of ~40 px, about 4x slower).</param>
/// <param name="Subject">Which face each image is about (all faces are recorded either way).</param>
/// <param name="RetryFailed">Process again the images that failed in an earlier run.</param>
/// <param name="CommitImages">Images committed per transaction.</param>
/// <param name="EmbedBatch">Chips per forward pass of the network.</param>
/// <param name="MaxFaces">At most this many faces per image (the highest-scoring).</param>
/// <param name="Shard">Index only this deterministic part of the dataset (null: all of it).</param>
/// <param name="Detector">The face detector (hog+ssd: SSD on the images HOG finds no face in).</param>
public sealed record IndexerOptions(
    int Workers = 0,
    int Upsample = 0,
    SubjectPolicy Subject = SubjectPolicy.Center,
    bool RetryFailed = false,
    int CommitImages = 64,
    int EmbedBatch = 32,
    int MaxFaces = 100,
    ShardSpec? Shard = null,
    DetectorKind Detector = DetectorKind.HogThenSsd)
{
    /// <summary>The worker count this machine gets.</summary>
    public int EffectiveWorkers => Workers > 0 ? Workers : Environment.ProcessorCount;
}

/// <summary>Where an indexing run is, for a progress bar.</summary>
public sealed record IndexProgress(int Total, int Done, int Skipped, int Faces, int NoFace, int Failed, TimeSpan Elapsed)
{
    /// <summary>Images processed (not skipped) per second so far.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? (Done - Skipped) / Elapsed.TotalSeconds : 0;
}

/// <summary>What an indexing run did.</summary>
public sealed record IndexSummary(
    long RunId,
    string Dataset,
    int Total,
    int Processed,
    int Skipped,
    int Blocked,
    int Faces,
    int NoFace,
    int Failed,
    IReadOnlyDictionary<string, int> FailuresByReason,
    IReadOnlyDictionary<string, double> StageSeconds,
    TimeSpan Elapsed)
{
    /// <summary>Images processed per second, end to end.</summary>
    public double ImagesPerSecond => Elapsed.TotalSeconds > 0 ? Processed / Elapsed.TotalSeconds : 0;

    /// <summary>Faces already in the library that got the run's model's embedding from their stored landmarks (no detection).</summary>
    public int ReEmbeddedFaces { get; init; }

    /// <summary>Images those faces are in.</summary>
    public int ReEmbeddedImages { get; init; }

    /// <summary>Images whose faces could not be re-embedded, by reason (changed since indexed, unreadable, undecodable).</summary>
    public IReadOnlyDictionary<string, int> ReEmbedSkipped { get; init; } = new Dictionary<string, int>();
}

/// <summary>
/// Indexes a dataset folder into a catalog: read + hash + decode + detect + landmarks + align on every core (one
/// dlib context per worker), embedding in batches, one writer committing each batch of images with their faces in
/// one transaction. Bounded channels between the stages keep memory flat. A rerun skips unchanged images, so a run
/// killed at any moment and run again leaves every image in the catalog exactly once.
/// </summary>
public sealed class DatasetIndexer
{
    private readonly FaceEngine _engine;
    private readonly FaceCatalog _catalog;
    private readonly IndexerOptions _options;
    private readonly ConcurrentDictionary<string, long> _stageTicks = new(StringComparer.Ordinal);

    public DatasetIndexer(FaceEngine engine, FaceCatalog catalog, IndexerOptions? options = null)
    {
        _engine = engine ?? throw new ArgumentNullException(nameof(engine));
        _catalog = catalog ?? throw new ArgumentNullException(nameof(catalog));
        _options = options ?? new IndexerOptions();
    }

    /// <summary>Indexes every image of the dataset at <paramref name="root"/> described by <paramref name="info"/>.</summary>
    public IndexSummary Run(DatasetInfo info, string root, IProgress<IndexProgress>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        root = Path.GetFullPath(root);
        var scan = DatasetScanner.Scan(root, info.Layout, info.Manifest);
        if (_options.Shard is { } shard)
        {
            scan = scan with { Images = [.. scan.Images.Where(i => shard.Contains(i.RelPath))] };
        }

        var resolved = info with { Layout = scan.Layout };
        _catalog.RegisterDataset(resolved, root);
        _catalog.EnsureDefaultModel(_engine.Embedder.ModelId);
        var done = _catalog.LoadDone(info.Name, _options.RetryFailed);
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
            shard = _options.Shard?.ToString(),
            detector = _options.Detector.Name(),
            modelId = _engine.Embedder.ModelId,
        });
        var runId = _catalog.StartRun(info.Name, settings, RunVersions.Json(_engine));
        var counters = new Counters { Total = scan.Images.Count };
        var clock = Stopwatch.StartNew();
        var failures = new ConcurrentDictionary<string, int>(StringComparer.Ordinal);
        ReEmbedCounts reEmbedded;
        try
        {
            RunStages(scan, root, done, runId, counters, failures, clock, progress, cancellationToken);

            // Faces indexed before with another model get this one's embedding from their stored landmarks, without detection.
            var reEmbedProgress = progress is null ? null : new ReEmbedProgress(progress, counters, clock);
            reEmbedded = new LandmarkReEmbedder(_engine, _catalog, _options, AddTicks).Run(info.Name, root, reEmbedProgress, cancellationToken);
        }
        catch (OperationCanceledException)
        {
            FinishQuietly(runId, RunStatus.Interrupted, counters, clock);
            throw;
        }
        catch (Exception ex) when (ex is not FaceIndexException)
        {
            FinishQuietly(runId, RunStatus.Failed, counters, clock);
            throw new FaceIndexException($"indexing {root} stopped: {ex.Message}; what was committed before is kept, rerun to continue", ex);
        }
        catch
        {
            FinishQuietly(runId, RunStatus.Failed, counters, clock);
            throw;
        }

        var summary = Summarize(runId, info.Name, counters, failures, clock.Elapsed) with
        {
            ReEmbeddedFaces = reEmbedded.Faces,
            ReEmbeddedImages = reEmbedded.Images,
            ReEmbedSkipped = reEmbedded.Skipped,
        };
        _catalog.FinishRun(runId, RunStatus.Completed, CountsJson(counters, reEmbedded), JsonSerializer.Serialize(summary.StageSeconds));
        return summary;
    }

    private void RunStages(
        DatasetScan scan,
        string root,
        DoneImages done,
        long runId,
        Counters counters,
        ConcurrentDictionary<string, int> failures,
        Stopwatch clock,
        IProgress<IndexProgress>? progress,
        CancellationToken cancellationToken)
    {
        var results = Channel.CreateBounded<ImageResult>(new BoundedChannelOptions(_options.CommitImages * 2) { SingleReader = true, SingleWriter = true });
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var token = linked.Token;

        // Read + hash + decode + detect + landmarks + align on every core, embedding in batches, then this thread
        // commits: the writer is the only stage that touches the catalog.
        var stages = StagedRun.Start(
            scan.Images,
            _options.EffectiveWorkers,
            () => _engine.CreatePipeline(new PipelineOptions(Upsample: _options.Upsample, Embed: false, KeepChips: true, MaxFaces: _options.MaxFaces, Detector: _options.Detector)),
            (pipeline, job) => AnalyseOne(pipeline, job, root, done, counters),
            item => item.Faces.Count,
            _options.EmbedBatch,
            batch => EmbedBatch(batch, results.Writer, token),
            token);
        var stagesDone = stages.ContinueWith(t => results.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

        try
        {
            WriteStage(results.Reader, runId, counters, failures, clock, progress, token);
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

    private Analysed? AnalyseOne(FacePipeline pipeline, DatasetImage job, string root, DoneImages done, Counters counters)
    {
        var image = AnalysedImage.Run(_engine, pipeline, root, job.RelPath, "run the same command again to continue",
            (sha, size) => done.ShouldSkip(job.RelPath, sha, size), AddTicks);
        if (image is null)
        {
            Interlocked.Increment(ref counters.Skipped);
            Interlocked.Increment(ref counters.Done);
            return null;
        }

        return new Analysed(job, image.Sha256, image.Size, image.Width, image.Height, image.Faces, image.ErrorReason, image.Error);
    }

    private void EmbedBatch(List<Analysed> pending, ChannelWriter<ImageResult> writer, CancellationToken token)
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
                var embedded = face with { Embedding = LibraryModels.ToLibrarySpace(_engine.Options.Model, embeddings[next++]), ModelId = embedder.ModelId, Chip = null };
                faces.Add(new ImageFace(embedded, _options.Subject == SubjectPolicy.All || face.Index == subject));
            }

            var status = item.ErrorReason is not null ? ImageStatus.Failed : faces.Count == 0 ? ImageStatus.NoFace : ImageStatus.Ok;
            writer.WriteAsync(
                new ImageResult(item.Job.RelPath, item.Sha256, item.Size, item.Width, item.Height, item.Job.Identity, status, item.ErrorReason, item.Error, faces),
                token).AsTask().GetAwaiter().GetResult();
        }
    }

    private void WriteStage(
        ChannelReader<ImageResult> reader,
        long runId,
        Counters counters,
        ConcurrentDictionary<string, int> failures,
        Stopwatch clock,
        IProgress<IndexProgress>? progress,
        CancellationToken token)
    {
        var batch = new List<ImageResult>(_options.CommitImages);
        var lastCommit = Stopwatch.GetTimestamp();
        void Commit()
        {
            if (batch.Count == 0)
            {
                return;
            }

            var started = Stopwatch.GetTimestamp();
            var summary = _catalog.CommitBatch(runId, batch);
            AddTicks("commit", started);
            Interlocked.Add(ref counters.Blocked, summary.Blocked);
            foreach (var r in batch)
            {
                Interlocked.Increment(ref counters.Done);
                switch (r.Status)
                {
                    case ImageStatus.Failed:
                        Interlocked.Increment(ref counters.Failed);
                        failures.AddOrUpdate(r.ErrorReason ?? "Unknown", 1, (_, n) => n + 1);
                        break;
                    case ImageStatus.NoFace:
                        Interlocked.Increment(ref counters.NoFace);
                        break;
                    default:
                        Interlocked.Add(ref counters.Faces, r.Faces.Count);
                        break;
                }
            }

            batch.Clear();
            lastCommit = Stopwatch.GetTimestamp();
            progress?.Report(Snapshot(counters, clock));
        }

        while (reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
        {
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

            progress?.Report(Snapshot(counters, clock));
        }

        Commit();
    }

    private static IndexProgress Snapshot(Counters c, Stopwatch clock) =>
        new(c.Total, Volatile.Read(ref c.Done), Volatile.Read(ref c.Skipped), Volatile.Read(ref c.Faces), Volatile.Read(ref c.NoFace), Volatile.Read(ref c.Failed), clock.Elapsed);

    private IndexSummary Summarize(long runId, string dataset, Counters c, ConcurrentDictionary<string, int> failures, TimeSpan elapsed) =>
        new(
            runId,
            dataset,
            c.Total,
            c.Done - c.Skipped,
            c.Skipped,
            c.Blocked,
            c.Faces,
            c.NoFace,
            c.Failed,
            new SortedDictionary<string, int>(failures, StringComparer.Ordinal),
            _stageTicks.ToDictionary(kv => kv.Key, kv => Math.Round(kv.Value / (double)Stopwatch.Frequency, 3), StringComparer.Ordinal),
            elapsed);

    private static string CountsJson(Counters c, ReEmbedCounts? reEmbedded = null) => JsonSerializer.Serialize(new
    {
        reEmbeddedFaces = reEmbedded?.Faces ?? 0,
        reEmbeddedImages = reEmbedded?.Images ?? 0,
        total = c.Total,
        processed = c.Done - c.Skipped,
        skipped = c.Skipped,
        blocked = c.Blocked,
        faces = c.Faces,
        noFace = c.NoFace,
        failed = c.Failed,
    });

    private void FinishQuietly(long runId, RunStatus status, Counters counters, Stopwatch clock)
    {
        try
        {
            _catalog.FinishRun(runId, status, CountsJson(counters), JsonSerializer.Serialize(new { elapsedSeconds = clock.Elapsed.TotalSeconds }));
        }
        catch (FaceIndexException)
        {
            // The run row stays 'running'; the next run sees it as interrupted. The original error matters more.
        }
    }

    private void AddTicks(string stage, long started) =>
        _stageTicks.AddOrUpdate(stage, Stopwatch.GetTimestamp() - started, (_, t) => t + (Stopwatch.GetTimestamp() - started));

    private sealed record Analysed(
        DatasetImage Job, byte[] Sha256, long Size, int Width, int Height, IReadOnlyList<FaceRecord> Faces, string? ErrorReason, string? Error);

    /// <summary>Reports the re-embedding pass as images of the run: its images as the total, the faces it stored as faces.</summary>
    private sealed class ReEmbedProgress(IProgress<IndexProgress> inner, Counters c, Stopwatch clock) : IProgress<(int Done, int Total, int Faces)>
    {
        public void Report((int Done, int Total, int Faces) value) =>
            inner.Report(new IndexProgress(value.Total, value.Done, 0, Volatile.Read(ref c.Faces) + value.Faces, Volatile.Read(ref c.NoFace), Volatile.Read(ref c.Failed), clock.Elapsed));
    }

    private sealed class Counters
    {
        public int Total;
        public int Done;
        public int Skipped;
        public int Blocked;
        public int Faces;
        public int NoFace;
        public int Failed;
    }
}
