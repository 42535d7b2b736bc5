using System.Diagnostics;
using FaceIndex.Datasets;
using FaceIndex.Imaging;

namespace FaceIndex.Search;

/// <summary>
/// Many query photos in one run: the models load once, photos are analysed on every core, and results stream out in
/// the probes' order as they are ready. A probe that fails (no face, a bad file) is an item with its reason.
/// </summary>
public static class BatchQuery
{
    /// <summary>
    /// The probe paths: each input as given when it is a file, every image under it (sorted, recursively) when it is a
    /// folder, and the lines of <paramref name="listFile"/> (one path a line, relative to the list's folder; blank lines
    /// and lines starting with # skipped).
    /// </summary>
    public static IReadOnlyList<string> ListProbes(IEnumerable<string> inputs, string? listFile = null)
    {
        ArgumentNullException.ThrowIfNull(inputs);
        var probes = new List<string>();
        foreach (var input in inputs)
        {
            var full = Path.GetFullPath(input);
            if (Directory.Exists(full))
            {
                probes.AddRange(Directory.EnumerateFiles(full, "*", SearchOption.AllDirectories)
                    .Where(f => DatasetScanner.ImageExtensions.Contains(Path.GetExtension(f)))
                    .Order(StringComparer.Ordinal));
            }
            else
            {
                // A missing file stays in the list: it becomes a failed row, as a bad file does.
                probes.Add(full);
            }
        }

        if (listFile is not null)
        {
            var list = Path.GetFullPath(listFile);
            if (!File.Exists(list))
            {
                throw new FaceIndexException($"the probe list {list} does not exist: give a text file with one photo path a line");
            }

            var baseDir = Path.GetDirectoryName(list)!;
            probes.AddRange(File.ReadLines(list)
                .Select(l => l.Trim())
                .Where(l => l.Length > 0 && !l.StartsWith('#'))
                .Select(l => Path.GetFullPath(Path.Combine(baseDir, l))));
        }

        return probes;
    }

    /// <summary>
    /// Queries every probe; results come back in the probes' order. <paramref name="workers"/> photos are analysed
    /// at once (0: one per core); the searches run on the caller's thread with <paramref name="library"/>.
    /// </summary>
    public static IEnumerable<BatchQueryItem> Run(FaceLibrary library, IReadOnlyList<string> probes, PhotoQueryOptions options, int workers = 0, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(probes);
        ArgumentNullException.ThrowIfNull(options);
        _ = library.Engine.Embedder; // load the models once, before the workers share them
        var degree = workers > 0 ? workers : Environment.ProcessorCount;
        var analysed = probes
            .Select((path, i) => (path, i))
            .AsParallel()
            .AsOrdered()
            .WithDegreeOfParallelism(degree)
            .WithCancellation(cancellationToken)
            .WithMergeOptions(ParallelMergeOptions.NotBuffered)
            .Select(p => Analyse(library, p.path, p.i, cancellationToken));
        foreach (var (ordinal, path, analysis, failure, clock) in analysed)
        {
            if (analysis is null)
            {
                yield return new BatchQueryItem(ordinal, path, null, failure!.Value.Reason, failure.Value.Message, clock);
                continue;
            }

            var watch = Stopwatch.StartNew();
            BatchQueryItem item;
            try
            {
                var result = library.Search(analysis, options);
                item = new BatchQueryItem(ordinal, path, result, null, null, clock + watch.Elapsed.TotalMilliseconds);
            }
            catch (FaceIndexException ex)
            {
                var reason = analysis.Faces.Count == 0 ? "NoFace" : "FaceOutOfRange";
                item = new BatchQueryItem(ordinal, path, null, reason, ex.Message, clock + watch.Elapsed.TotalMilliseconds);
            }

            yield return item;
        }
    }

    private static (int Ordinal, string Path, PhotoAnalysis? Analysis, (string Reason, string Message)? Failure, double Milliseconds) Analyse(
        FaceLibrary library, string path, int ordinal, CancellationToken cancellationToken)
    {
        var watch = Stopwatch.StartNew();
        try
        {
            return (ordinal, path, library.AnalyzeFile(path, cancellationToken), null, watch.Elapsed.TotalMilliseconds);
        }
        catch (ImageDecodeException ex)
        {
            return (ordinal, path, null, (ex.Reason.ToString(), ex.Message), watch.Elapsed.TotalMilliseconds);
        }
        catch (FaceIndexException ex)
        {
            return (ordinal, path, null, ("Error", ex.Message), watch.Elapsed.TotalMilliseconds);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return (ordinal, path, null, ("Unreadable", $"{path} could not be read: {ex.Message}"), watch.Elapsed.TotalMilliseconds);
        }
    }
}
