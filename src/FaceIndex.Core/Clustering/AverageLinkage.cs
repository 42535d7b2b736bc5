using System.Numerics.Tensors;

namespace FaceIndex.Clustering;

/// <summary>
/// Agglomerative clustering with average linkage, kept sparse: only groups joined by a kNN edge below the threshold
/// are ever compared, but their linkage is the exact mean distance over all member pairs (from the embeddings). The
/// closest pair of groups merges while that mean is below the threshold. Unlike Chinese Whispers, one stray edge
/// between two people cannot pull them together: the whole groups must be close on average.
/// </summary>
public static class AverageLinkage
{
    /// <summary>A label per face (the smallest member index of its group).</summary>
    public static int[] Run(IReadOnlyList<float[]> vectors, KnnGraph graph, double threshold)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        ArgumentNullException.ThrowIfNull(graph);
        var n = vectors.Count;
        var members = Enumerable.Range(0, n).Select(i => new List<int> { i }).ToArray();
        var alive = Enumerable.Repeat(true, n).ToArray();

        // sums[a][b]: the sum of distances between the members of groups a and b, for groups joined by an edge.
        var sums = Enumerable.Range(0, n).Select(_ => new Dictionary<int, double>()).ToArray();
        var queue = new PriorityQueue<(int A, int B, int SizeA, int SizeB), double>();
        for (var i = 0; i < n; i++)
        {
            for (var j = 0; j < graph.Neighbours[i].Length; j++)
            {
                var k = graph.Neighbours[i][j];
                if (graph.Distances[i][j] < threshold && k != i && !sums[i].ContainsKey(k))
                {
                    var d = TensorPrimitives.Distance(vectors[i], vectors[k]);
                    sums[i][k] = d;
                    sums[k][i] = d;
                    queue.Enqueue((Math.Min(i, k), Math.Max(i, k), 1, 1), d);
                }
            }
        }

        while (queue.TryDequeue(out var pair, out var average))
        {
            var (a, b, sizeA, sizeB) = pair;

            // A stale entry: one of the groups has merged or grown since it was queued.
            if (!alive[a] || !alive[b] || members[a].Count != sizeA || members[b].Count != sizeB)
            {
                continue;
            }

            if (average >= threshold)
            {
                break;
            }

            // Merge b into a; a's linkage to every neighbour of either is the size-weighted combination.
            var neighbours = sums[a].Keys.Concat(sums[b].Keys).Where(x => x != a && x != b && alive[x]).Distinct().ToList();
            foreach (var x in neighbours)
            {
                var sum = (sums[a].TryGetValue(x, out var sa) ? sa : Sum(vectors, members[a], members[x]))
                        + (sums[b].TryGetValue(x, out var sb) ? sb : Sum(vectors, members[b], members[x]));
                sums[a][x] = sum;
                sums[x][a] = sum;
                sums[x].Remove(b);
            }

            members[a].AddRange(members[b]);
            alive[b] = false;
            sums[a].Remove(b);
            sums[b].Clear();
            foreach (var x in neighbours)
            {
                var mean = sums[a][x] / (members[a].Count * (double)members[x].Count);
                queue.Enqueue((Math.Min(a, x), Math.Max(a, x), a < x ? members[a].Count : members[x].Count, a < x ? members[x].Count : members[a].Count), mean);
            }
        }

        var labels = new int[n];
        for (var g = 0; g < n; g++)
        {
            if (alive[g])
            {
                var label = members[g].Min();
                foreach (var m in members[g])
                {
                    labels[m] = label;
                }
            }
        }

        return labels;
    }

    private static double Sum(IReadOnlyList<float[]> vectors, List<int> a, List<int> b)
    {
        double sum = 0;
        foreach (var x in a)
        {
            foreach (var y in b)
            {
                sum += TensorPrimitives.Distance(vectors[x], vectors[y]);
            }
        }

        return sum;
    }
}
