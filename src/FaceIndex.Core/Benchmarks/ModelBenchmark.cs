using System.Diagnostics;
using System.Globalization;
using System.Text;
using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

namespace FaceIndex.Benchmarks;

/// <summary>
/// Recognition models side by side: each aligner's time per face, and each model's chips per second at each batch size
/// and thread count, on chips cut from the same faces (each model's own alignment and size).
/// </summary>
public static class ModelBenchmark
{
    /// <summary>Runs the benchmark on the faces in the images of <paramref name="folder"/>.</summary>
    public static ModelBenchmarkResult Run(string folder, IReadOnlyList<RegisteredModel> models, ModelBenchmarkOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(models);
        options ??= new ModelBenchmarkOptions();
        var started = DateTimeOffset.UtcNow;
        var paths = Directory.EnumerateFiles(folder, "*", SearchOption.AllDirectories)
            .Where(p => Datasets.DatasetScanner.ImageExtensions.Contains(Path.GetExtension(p).ToLowerInvariant()))
            .Order(StringComparer.Ordinal).Take(options.MaxImages).ToList();
        using var engine = FaceEngine.Load();
        var faces = new List<(RgbImage Image, FaceLandmarks Landmarks)>();
        foreach (var path in paths)
        {
            try
            {
                var image = engine.Decoder.Decode(path).Image;
                faces.AddRange(engine.CreatePipeline(new PipelineOptions(Embed: false)).Process(image).Select(f => (image, f.Landmarks)));
            }
            catch (FaceIndexException ex)
            {
                log?.Invoke($"skipped {path}: {ex.Message}");
            }
        }

        if (faces.Count == 0)
        {
            throw new FaceIndexException($"no face was found in the {paths.Count} images of {folder}: the benchmark needs face photos");
        }

        var aligners = new List<AlignerSpeed>();
        foreach (var kind in Enum.GetValues<AlignmentKind>())
        {
            var aligner = kind == AlignmentKind.DlibChip ? (IFaceAligner)engine.Worker.Aligner : FaceAligners.Create(kind);
            var size = kind == AlignmentKind.DlibChip ? 150 : 112;
            var samples = new List<double>();
            for (var r = 0; r < options.Repeats; r++)
            {
                foreach (var (image, landmarks) in faces)
                {
                    var t = Stopwatch.GetTimestamp();
                    aligner.Align(image, landmarks, size);
                    samples.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
                }
            }

            aligners.Add(new AlignerSpeed(FaceAligners.Name(kind), faces.Count, Stats.Percentile(samples, 0.5), Stats.Percentile(samples, 0.95)));
            log?.Invoke($"align {FaceAligners.Name(kind)}: {aligners[^1].MedianMs:F3} ms/face");
        }

        var batches = options.BatchSizes ?? [1, 8, 32];
        var maxThreads = options.MaxThreads > 0 ? options.MaxThreads : Environment.ProcessorCount;
        var speeds = new List<ModelSpeed>();
        foreach (var model in models)
        {
            var aligner = model.Alignment == AlignmentKind.DlibChip ? (IFaceAligner)engine.Worker.Aligner : FaceAligners.Create(model.Alignment);
            var chips = faces.Select(f => aligner.Align(f.Image, f.Landmarks, model.ChipSize, model.ChipPadding)).ToList();
            for (var threads = 1; threads <= maxThreads; threads++)
            {
                using var embedder = ModelRegistry.CreateEmbedder(model, threads: threads);
                embedder.Embed(chips.Take(Math.Min(8, chips.Count)).ToList());
                foreach (var batch in batches)
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

                    var median = Stats.Percentile(perChip, 0.5);
                    speeds.Add(new ModelSpeed(model.Name, embedder.ModelId, threads, batch, 1000 / median, median));
                    log?.Invoke($"{model.Name} threads {threads} batch {batch}: {1000 / median:F1} chips/s");
                }
            }
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["folder"] = folder,
            ["images"] = paths.Count.ToString(CultureInfo.InvariantCulture),
            ["faces"] = faces.Count.ToString(CultureInfo.InvariantCulture),
            ["repeats"] = options.Repeats.ToString(CultureInfo.InvariantCulture),
            ["batchSizes"] = string.Join(' ', batches),
            ["maxThreads"] = maxThreads.ToString(CultureInfo.InvariantCulture),
            ["models"] = string.Join(' ', models.Select(m => m.ModelId())),
        };
        var run = RunRecord.Capture(settings, started, DateTimeOffset.UtcNow, null, RunVersions.Collect());
        return new ModelBenchmarkResult(paths.Count, faces.Count, aligners, speeds, run);
    }

    /// <summary>Writes models.md into <paramref name="directory"/>; returns its path.</summary>
    public static string WriteReport(string directory, ModelBenchmarkResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        Directory.CreateDirectory(directory);
        var md = new StringBuilder("# FaceIndex bench: recognition models\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{result.Faces} faces from {result.Images} images; {result.Run.CpuModel}, {result.Run.CoreCount} cores; median per-chip time over {result.Run.Settings["repeats"]} passes.\n\n");
        md.Append("| model | threads | batch | chips/s | ms per chip |\n|---|---|---|---|---|\n");
        foreach (var s in result.Models)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {s.Model} | {s.Threads} | {s.BatchSize} | {s.ChipsPerSecond:F1} | {s.MsPerChip:F2} |\n");
        }

        md.Append("\n| alignment (1 thread) | faces | median ms | p95 ms |\n|---|---|---|---|\n");
        foreach (var a in result.Aligners)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {a.Alignment} | {a.Faces} | {a.MedianMs:F3} | {a.P95Ms:F3} |\n");
        }

        md.Append("\n## Settings and versions\n\n");
        foreach (var (k, v) in result.Run.Settings.Concat(result.Run.Extra))
        {
            md.Append(CultureInfo.InvariantCulture, $"- {k}: {v}\n");
        }

        var path = Path.Combine(directory, "models.md");
        File.WriteAllText(path, md.ToString());
        return path;
    }
}
