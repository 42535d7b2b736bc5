using System.Diagnostics;
using System.Globalization;
using FaceIndex.Annoy;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Evaluation;
using FaceIndex.Imaging;
using FaceIndex.Pipeline;

namespace FaceIndex.Benchmarks;

/// <summary>What <see cref="PipelineBenchmark"/> measures and how.</summary>
/// <param name="MaxImages">At most this many images of the folder (sorted by path, so the set is fixed).</param>
/// <param name="Repeats">Timed repetitions of each measurement (the median and p95 are over all of them).</param>
/// <param name="WarmupImages">Images processed before timing starts.</param>
/// <param name="BatchSizes">Embedding batch sizes to sweep.</param>
/// <param name="Upsamples">Detector upsample counts to sweep.</param>
/// <param name="MaxThreads">Threads swept from 1 to this (0: all cores).</param>
/// <param name="IndexItems">Items in the Annoy index the query latency is measured on.</param>
/// <param name="Detector">The detector of the whole-pipeline sweep; with ssd or hog+ssd the SSD detector's own time is measured too.</param>
public sealed record PipelineBenchmarkOptions(
    int MaxImages = 100,
    int Repeats = 3,
    int WarmupImages = 5,
    IReadOnlyList<int>? BatchSizes = null,
    IReadOnlyList<int>? Upsamples = null,
    int MaxThreads = 0,
    int IndexItems = 100_000,
    DetectorKind Detector = DetectorKind.HogThenSsd);

/// <summary>Latency of one stage: median and p95 per item, and items per second on one thread.</summary>
public sealed record StageTiming(string Stage, string Unit, int Samples, double MedianMs, double P95Ms, double PerSecond);

/// <summary>Throughput at one point of a sweep.</summary>
public sealed record SweepPoint(string Sweep, int Threads, int BatchSize, int Upsample, double PerSecond, double MsPerItem);

/// <summary>A benchmark's results and everything needed to repeat it.</summary>
public sealed record PipelineBenchmarkResult(
    int Images,
    int Faces,
    double MeanImageWidth,
    double MeanImageHeight,
    IReadOnlyList<StageTiming> Stages,
    IReadOnlyList<SweepPoint> Sweeps,
    RunRecord Run);

/// <summary>
/// Speed of every stage (decode, detect, landmarks, align, embed, index query) on a fixed image set, then sweeps:
/// threads 1..cores, embedding batch sizes, detector upsample, and the whole pipeline in images per second.
/// </summary>
public static class PipelineBenchmark
{
    private static readonly System.Text.Json.JsonSerializerOptions ReportJson = new(System.Text.Json.JsonSerializerDefaults.Web) { WriteIndented = true };

    /// <summary>Runs the benchmark on the images of <paramref name="folder"/>.</summary>
    public static PipelineBenchmarkResult Run(string folder, PipelineBenchmarkOptions? options = null, Action<string>? log = null)
    {
        options ??= new PipelineBenchmarkOptions();
        var started = DateTimeOffset.UtcNow;
        var paths = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => Datasets.DatasetScanner.ImageExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).Take(options.MaxImages).ToList();
        if (paths.Count == 0)
        {
            throw new FaceIndexException($"no images in {folder}: give a folder of JPEG/PNG face photos (e.g. LFW, or tests/data/faces)");
        }

        var batchSizes = options.BatchSizes ?? [1, 8, 32, 64];
        var upsamples = options.Upsamples ?? [0, 1];
        var maxThreads = options.MaxThreads > 0 ? options.MaxThreads : Environment.ProcessorCount;
        var stages = new List<StageTiming>();
        var sweeps = new List<SweepPoint>();
        using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { Threads = 1 }));

        // Decode, from bytes already in memory, so disk speed is not measured.
        var bytes = paths.Select(File.ReadAllBytes).ToList();
        var decoded = new List<RgbImage>();
        var samples = new List<double>();
        for (var r = 0; r < options.Repeats; r++)
        {
            decoded.Clear();
            for (var i = 0; i < bytes.Count; i++)
            {
                var t = Stopwatch.GetTimestamp();
                try
                {
                    decoded.Add(engine.Decoder.Decode(bytes[i], paths[i]).Image);
                }
                catch (ImageDecodeException ex)
                {
                    log?.Invoke($"skipped {paths[i]}: {ex.Message}");
                    continue;
                }

                samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        stages.Add(Timing("decode", "image", samples));
        log?.Invoke($"decode: {stages[^1].MedianMs:F2} ms/image (median)");

        var worker = engine.CreatePipeline(new PipelineOptions(Embed: false, KeepChips: true));
        foreach (var image in decoded.Take(options.WarmupImages))
        {
            worker.Process(image, 0);
        }

        var detector = DetectorOf(engine);
        foreach (var upsample in upsamples)
        {
            samples.Clear();
            for (var r = 0; r < options.Repeats; r++)
            {
                foreach (var image in decoded)
                {
                    var t = Stopwatch.GetTimestamp();
                    detector.Detector.Detect(image, upsample);
                    samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }

            stages.Add(Timing($"detect (upsample {upsample})", "image", samples));
            log?.Invoke($"detect upsample {upsample}: {stages[^1].MedianMs:F2} ms/image");
        }

        if (options.Detector != DetectorKind.Hog)
        {
            stages.Add(SsdTiming(engine, decoded, options.Repeats, maxThreads));
            log?.Invoke($"{stages[^1].Stage}: {stages[^1].MedianMs:F2} ms/image");
        }

        // Landmarks and alignment per face, on the faces found at upsample 1.
        var faces = decoded.SelectMany(img => detector.Detector.Detect(img, 1).Select(d => (img, d.Box))).ToList();
        var landmarkSamples = new List<double>();
        var alignSamples = new List<double>();
        var chips = new List<RgbImage>();
        for (var r = 0; r < options.Repeats; r++)
        {
            chips.Clear();
            foreach (var (img, box) in faces)
            {
                var t = Stopwatch.GetTimestamp();
                var shape = detector.Landmarker.Predict(img, box);
                landmarkSamples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                t = Stopwatch.GetTimestamp();
                chips.Add(detector.Aligner.Align(img, shape));
                alignSamples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        if (chips.Count == 0)
        {
            throw new FaceIndexException($"no face was found in the {decoded.Count} images of {folder}: the benchmark needs face photos");
        }

        stages.Add(Timing("landmarks", "face", landmarkSamples));
        stages.Add(Timing("align (face chip)", "face", alignSamples));

        // Embedding: batch sizes x threads.
        foreach (var threads in Enumerable.Range(1, maxThreads))
        {
            using var embedder = new DlibResNetEmbedder(new DlibResNetOptions { Threads = threads });
            embedder.Embed(chips.Take(Math.Min(8, chips.Count)).ToList());
            foreach (var batch in batchSizes)
            {
                var perChip = new List<double>();
                for (var r = 0; r < options.Repeats; r++)
                {
                    for (var start = 0; start < chips.Count; start += batch)
                    {
                        var slice = chips.GetRange(start, Math.Min(batch, chips.Count - start));
                        var t = Stopwatch.GetTimestamp();
                        embedder.Embed(slice);
                        perChip.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds / slice.Count);
                    }
                }

                var median = Median(perChip);
                sweeps.Add(new SweepPoint("embed", threads, batch, 1, 1000 / median, median));
                if (threads == 1)
                {
                    stages.Add(Timing($"embed (batch {batch})", "chip", perChip));
                }

                log?.Invoke($"embed threads {threads} batch {batch}: {1000 / median:F1} chips/s");
            }
        }

        // Index query: an Annoy index of face-like vectors around the benchmark's embeddings.
        var embeddings = engine.Embedder.Embed(chips);
        stages.Add(QueryTiming(embeddings, options));

        // The whole pipeline, images/s, for threads 1..cores and each upsample.
        foreach (var upsample in upsamples)
        {
            foreach (var threads in Enumerable.Range(1, maxThreads))
            {
                using var pipelineEngine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { Threads = threads }));
                var extractor = new SubjectEmbeddings(pipelineEngine, new SubjectEmbeddingOptions(Upsample: upsample, RetryUpsample: 0, Workers: threads, Detector: options.Detector));
                extractor.Compute(paths.Take(Math.Min(options.WarmupImages, paths.Count)));
                var runs = new List<double>();
                for (var r = 0; r < options.Repeats; r++)
                {
                    var t = Stopwatch.GetTimestamp();
                    extractor.Compute(paths);
                    runs.Add(Stopwatch.GetElapsedTime(t).TotalSeconds);
                }

                var seconds = Median(runs);
                sweeps.Add(new SweepPoint("pipeline", threads, 32, upsample, paths.Count / seconds, seconds * 1000 / paths.Count));
                log?.Invoke($"pipeline threads {threads} upsample {upsample}: {paths.Count / seconds:F1} images/s");
            }
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["folder"] = Path.GetFullPath(folder),
            ["images"] = paths.Count.ToString(CultureInfo.InvariantCulture),
            ["repeats"] = options.Repeats.ToString(CultureInfo.InvariantCulture),
            ["warmupImages"] = options.WarmupImages.ToString(CultureInfo.InvariantCulture),
            ["batchSizes"] = string.Join(' ', batchSizes),
            ["upsamples"] = string.Join(' ', upsamples),
            ["maxThreads"] = maxThreads.ToString(CultureInfo.InvariantCulture),
            ["indexItems"] = options.IndexItems.ToString(CultureInfo.InvariantCulture),
            ["stageTimingsThreads"] = "1",
            ["detector"] = options.Detector.Name(),
        };
        var run = RunRecord.Capture(settings, started, DateTimeOffset.UtcNow, null, RunVersions.Collect(engine));
        return new PipelineBenchmarkResult(paths.Count, chips.Count, decoded.Average(i => i.Width), decoded.Average(i => i.Height), stages, sweeps, run);
    }

    // SSD per image with libtorch on every core (the network is one 512x512 forward pass whatever the image size; a
    // thread per image would not fit beside HOG's workers). libtorch's thread count is per process: set, then restored.
    private static StageTiming SsdTiming(FaceEngine engine, IReadOnlyList<RgbImage> images, int repeats, int threads)
    {
        // The detector first: it loads libtorch with OpenMP's passive wait (TorchRuntime); a torch call before it would
        // load libtorch with spinning threads, measured 2.2 s instead of 0.1-0.2 s per image on the loaded 2-core box.
        var ssd = engine.Ssd;
        var before = TorchSharp.torch.get_num_threads();
        TorchSharp.torch.set_num_threads(threads);
        try
        {
            foreach (var image in images.Take(3))
            {
                ssd.DetectRaw(image);
            }

            var samples = new List<double>();
            for (var r = 0; r < repeats; r++)
            {
                foreach (var image in images)
                {
                    var t = Stopwatch.GetTimestamp();
                    ssd.Detect(image);
                    samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }

            return Timing($"detect (SSD, {threads} threads)", "image", samples);
        }
        finally
        {
            TorchSharp.torch.set_num_threads(before);
        }
    }

    /// <summary>Writes report.md, results.json, throughput-vs-threads.png and latency-vs-batch.png into <paramref name="directory"/>.</summary>
    public static string WriteReport(string directory, PipelineBenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var pipeline = result.Sweeps.Where(s => s.Sweep == "pipeline").GroupBy(s => s.Upsample)
            .Select(g => new LineSeries($"pipeline, upsample {g.Key} (images/s)", [.. g.Select(s => (double)s.Threads)], [.. g.Select(s => s.PerSecond)]));
        var embed = result.Sweeps.Where(s => s.Sweep == "embed").GroupBy(s => s.BatchSize)
            .Select(g => new LineSeries($"embed, batch {g.Key} (chips/s)", [.. g.Select(s => (double)s.Threads)], [.. g.Select(s => s.PerSecond)]));
        EvaluationPlots.SaveLines(Path.Combine(directory, "throughput-vs-threads.png"), "Throughput against threads", "threads", "per second", [.. pipeline, .. embed]);
        var latency = result.Sweeps.Where(s => s.Sweep == "embed").GroupBy(s => s.Threads)
            .Select(g => new LineSeries($"{g.Key} thread(s)", [.. g.Select(s => (double)s.BatchSize)], [.. g.Select(s => s.MsPerItem)]));
        EvaluationPlots.SaveLines(Path.Combine(directory, "latency-vs-batch.png"), "Embedding latency against batch size", "batch size", "ms per chip", [.. latency], logX: true);

        var md = new System.Text.StringBuilder("# FaceIndex speed benchmark\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{result.Images} images (mean {result.MeanImageWidth:F0}x{result.MeanImageHeight:F0}), {result.Faces} faces at upsample 1. Machine: {result.Run.CpuModel}, {result.Run.CoreCount} cores, {result.Run.Os}, {result.Run.DotnetVersion}. Started {result.Run.StartedUtc:yyyy-MM-dd HH:mm} UTC.\n\n");
        md.Append("## Stages (one thread)\n\n| stage | unit | samples | median ms | p95 ms | per second |\n|---|---|---|---|---|---|\n");
        foreach (var s in result.Stages)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {s.Stage} | {s.Unit} | {s.Samples} | {s.MedianMs:F2} | {s.P95Ms:F2} | {s.PerSecond:F1} |\n");
        }

        md.Append("\n## Sweeps\n\n| sweep | threads | batch | upsample | per second | ms per item |\n|---|---|---|---|---|---|\n");
        foreach (var s in result.Sweeps)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {s.Sweep} | {s.Threads} | {s.BatchSize} | {s.Upsample} | {s.PerSecond:F1} | {s.MsPerItem:F2} |\n");
        }

        md.Append("\n## Where one image's time goes (one thread, upsample 0, batch 32)\n\n");
        double Ms(string stage) => result.Stages.FirstOrDefault(s => s.Stage == stage)?.MedianMs ?? 0;
        var facesPerImage = result.Faces / (double)result.Images;
        var parts = new (string Name, double Ms)[]
        {
            ("decode", Ms("decode")),
            ("detect", Ms("detect (upsample 0)")),
            ("landmarks", Ms("landmarks") * facesPerImage),
            ("align", Ms("align (face chip)") * facesPerImage),
            ("embed", Ms("embed (batch 32)") * facesPerImage),
        };
        var total = parts.Sum(p => p.Ms);
        foreach (var (name, ms) in parts)
        {
            md.Append(CultureInfo.InvariantCulture, $"- {name}: {ms:F2} ms ({(total > 0 ? 100 * ms / total : 0):F0}%)\n");
        }

        md.Append("\n![throughput](throughput-vs-threads.png)\n\n![latency](latency-vs-batch.png)\n\n## Settings and versions\n\n");
        foreach (var (k, v) in result.Run.Settings.Concat(result.Run.Extra))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        }

        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, md.ToString());
        File.WriteAllText(Path.Combine(directory, "results.json"), System.Text.Json.JsonSerializer.Serialize(result, ReportJson));
        return path;
    }

    private static StageTiming QueryTiming(float[][] embeddings, PipelineBenchmarkOptions options)
    {
        var random = new Random(42);
        var dim = embeddings[0].Length;
        using var index = new AnnoyIndex(dim, AnnoyMetric.Euclidean) { Seed = 42 };
        var vector = new float[dim];
        for (var i = 0; i < options.IndexItems; i++)
        {
            var centre = embeddings[i % embeddings.Length];
            for (var j = 0; j < dim; j++)
            {
                vector[j] = centre[j] + (float)((random.NextDouble() - 0.5) * 0.2);
            }

            index.AddItem(i, vector);
        }

        index.Build(10, Environment.ProcessorCount);
        var ids = new int[10];
        var distances = new float[10];
        var samples = new List<double>();
        for (var r = 0; r < options.Repeats * 100; r++)
        {
            var q = embeddings[r % embeddings.Length];
            var t = Stopwatch.GetTimestamp();
            index.Search(q, 10, 10 * 10 * 4, ids, distances);
            samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        return Timing($"index query (Annoy, {options.IndexItems:N0} items, k 10, searchK 400)", "query", samples);
    }

    private static Native.DlibWorker DetectorOf(FaceEngine engine) => engine.Worker;

    private static StageTiming Timing(string stage, string unit, List<double> samples)
    {
        var median = Median(samples);
        return new StageTiming(stage, unit, samples.Count, Math.Round(median, 4), Math.Round(Percentile(samples, 0.95), 4), Math.Round(1000 / median, 1));
    }

    private static double Median(List<double> values) => Stats.Percentile(values, 0.5);

    private static double Percentile(List<double> values, double q) => Stats.Percentile(values, q);
}
