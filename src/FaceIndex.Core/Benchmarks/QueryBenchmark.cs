using System.Diagnostics;
using FaceIndex.Search;

namespace FaceIndex.Benchmarks;

/// <summary>Query latency on an indexed library, models loaded: by photo end to end, and by indexed face id.</summary>
public sealed record QueryBenchmarkResult(
    int Faces,
    int IndexedFaces,
    int DeltaFaces,
    string Index,
    int Repeats,
    double PhotoMedianMs,
    double PhotoP95Ms,
    double FaceIdMedianMs,
    double FaceIdP95Ms,
    double FaceIdP99Ms);

/// <summary>Measures what a user of <see cref="FaceLibrary"/> waits for, after a warm-up.</summary>
public static class QueryBenchmark
{
    /// <summary>Queries <paramref name="photo"/> <paramref name="repeats"/> times, then as many indexed face ids (seeded sample), k results each.</summary>
    public static QueryBenchmarkResult Run(FaceLibrary library, string photo, int repeats = 30, int k = 10, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(library);
        library.Query(photo, k);
        var photoMs = new List<double>();
        for (var i = 0; i < repeats; i++)
        {
            var t = Stopwatch.GetTimestamp();
            library.Query(photo, k);
            photoMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
        }

        var ids = new List<long>();
        library.Catalog.VisitEmbeddings(library.ModelId, 0, (id, _) => ids.Add(id));
        var random = new Random(seed);
        var idMs = new List<double>();
        var count = Math.Max(repeats * 10, 100);
        for (var i = 0; i < count + 10; i++)
        {
            var id = ids[random.Next(ids.Count)];
            var t = Stopwatch.GetTimestamp();
            library.QueryByFaceId(id, k);
            if (i >= 10)
            {
                idMs.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds);
            }
        }

        var index = library.Index;
        return new QueryBenchmarkResult(
            ids.Count, index.IndexedCount, index.DeltaCount, index.Meta?.Describe() ?? "exact (no index built)", repeats,
            Percentile(photoMs, 0.5), Percentile(photoMs, 0.95), Percentile(idMs, 0.5), Percentile(idMs, 0.95), Percentile(idMs, 0.99));
    }

    private static double Percentile(List<double> values, double q) => Math.Round(Stats.Percentile(values, q), 3);
}
