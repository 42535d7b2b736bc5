using FaceIndex.Search;

namespace FaceIndex.Clustering;

/// <summary>
/// For each query face, its nearest faces among a set of member faces, from the library's face index (Annoy or
/// HNSW) rather than from all pairs: one index search per face, so n log n-ish instead of n squared. When the
/// library holds other faces too, the search is widened until enough members are found.
/// </summary>
public sealed class KnnGraph
{
    internal KnnGraph(int[][] neighbours, float[][] distances)
    {
        Neighbours = neighbours;
        Distances = distances;
    }

    /// <summary>For query i, the member positions of its neighbours, nearest first.</summary>
    public int[][] Neighbours { get; }

    /// <summary>For query i, the Euclidean distances to <see cref="Neighbours"/>.</summary>
    public float[][] Distances { get; }

    /// <summary>Number of queries.</summary>
    public int Count => Neighbours.Length;

    /// <summary>
    /// The <paramref name="k"/> nearest members of each query. <paramref name="memberOf"/> maps a face id to its member
    /// position; <paramref name="queryIds"/> (when a query is also a member) keeps a face from being its own neighbour.
    /// </summary>
    public static KnnGraph Build(
        FaceSearchIndex index,
        IReadOnlyList<float[]> queries,
        IReadOnlyList<long>? queryIds,
        IReadOnlyDictionary<long, int> memberOf,
        int k,
        int threads = 1,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(queries);
        ArgumentNullException.ThrowIfNull(memberOf);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var neighbours = new int[queries.Count][];
        var distances = new float[queries.Count][];
        var indexed = Math.Max(1, index.IndexedCount + index.DeltaCount);

        // Members are a fraction of the library: ask for enough hits that k of them are expected among the first answer.
        var fraction = Math.Clamp(memberOf.Count / (double)indexed, 1e-6, 1);
        var first = (int)Math.Min(indexed, Math.Ceiling((k + 1) / fraction * 1.2) + 1);
        // A FaceSearchIndex reads the catalog through one connection, so each further thread opens its own read-only
        // catalog and index (memory-mapped: the pages are shared); contiguous slices keep the output ordered.
        var library = index.Library;
        threads = Math.Clamp(threads, 1, Math.Max(1, queries.Count / 256));
        var done = 0;
        void Slice(FaceSearchIndex searcher, int from, int to)
        {
            for (var q = from; q < to; q++)
            {
                cancellationToken.ThrowIfCancellationRequested();
                (neighbours[q], distances[q]) = Nearest(searcher, queries[q], queryIds?[q], memberOf, k, first, indexed);
                if ((Interlocked.Increment(ref done) & 255) == 0)
                {
                    progress?.Report(done);
                }
            }
        }

        if (threads == 1 || library is null)
        {
            Slice(index, 0, queries.Count);
        }
        else
        {
            var size = (queries.Count + threads - 1) / threads;
            Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads, CancellationToken = cancellationToken }, t =>
            {
                var (from, to) = (t * size, Math.Min(queries.Count, (t + 1) * size));
                if (t == 0)
                {
                    Slice(index, from, to);
                    return;
                }

                using var catalog = Catalog.FaceCatalog.Open(library, new Catalog.CatalogOpenOptions(ReadOnly: true, Create: false));
                using var own = FaceSearchIndex.Open(catalog, index.ModelId);
                Slice(own, from, to);
            });
        }

        progress?.Report(queries.Count);
        return new KnnGraph(neighbours, distances);
    }

    private static (int[], float[]) Nearest(FaceSearchIndex index, float[] query, long? self, IReadOnlyDictionary<long, int> memberOf, int k, int first, int indexed)
    {
        var want = first;
        List<(int Member, float Distance)> found = [];
        while (true)
        {
            var hits = index.Search(query, want);
            found.Clear();
            foreach (var hit in hits)
            {
                if (hit.FaceId != self && memberOf.TryGetValue(hit.FaceId, out var member))
                {
                    found.Add((member, hit.Distance));
                    if (found.Count == k)
                    {
                        break;
                    }
                }
            }

            if (found.Count >= k || hits.Count < want || want >= indexed)
            {
                break;
            }

            want = (int)Math.Min(indexed, want * 4L);
        }

        return ([.. found.Select(f => f.Member)], [.. found.Select(f => f.Distance)]);
    }
}
