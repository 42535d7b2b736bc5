namespace FaceIndex.Clustering;

/// <summary>
/// Chinese Whispers (Biemann 2006), as dlib's <c>chinese_whispers</c> runs it for faces: an undirected graph with an
/// edge between two faces closer than the same-person threshold (unit weights, as dlib's face example builds it);
/// each node starts in its own cluster; every pass visits the nodes in a seeded random order and moves each to the
/// label most common among its neighbours (ties: the smallest label, so a seed gives one answer). Stops after
/// <c>iterations</c> passes (dlib's default 100) or a pass that changes nothing.
/// </summary>
public static class ChineseWhispers
{
    /// <summary>A label per node (0..n-1, not dense).</summary>
    public static int[] Run(IReadOnlyList<int[]> adjacency, int iterations = 100, int seed = 42)
    {
        ArgumentNullException.ThrowIfNull(adjacency);
        var n = adjacency.Count;
        var labels = Enumerable.Range(0, n).ToArray();
        var order = Enumerable.Range(0, n).ToArray();
        var random = new Random(seed);
        var votes = new Dictionary<int, int>();
        for (var pass = 0; pass < iterations; pass++)
        {
            random.Shuffle(order);
            var changed = false;
            foreach (var node in order)
            {
                if (adjacency[node].Length == 0)
                {
                    continue;
                }

                votes.Clear();
                foreach (var neighbour in adjacency[node])
                {
                    votes[labels[neighbour]] = votes.GetValueOrDefault(labels[neighbour]) + 1;
                }

                var best = labels[node];
                var bestVotes = -1;
                foreach (var (label, count) in votes)
                {
                    if (count > bestVotes || (count == bestVotes && label < best))
                    {
                        (best, bestVotes) = (label, count);
                    }
                }

                if (best != labels[node])
                {
                    labels[node] = best;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        return labels;
    }

    /// <summary>The undirected graph of a kNN graph's edges shorter than <paramref name="threshold"/>.</summary>
    public static int[][] Adjacency(KnnGraph graph, double threshold)
    {
        ArgumentNullException.ThrowIfNull(graph);
        var sets = Enumerable.Range(0, graph.Count).Select(_ => new HashSet<int>()).ToArray();
        for (var i = 0; i < graph.Count; i++)
        {
            for (var j = 0; j < graph.Neighbours[i].Length; j++)
            {
                if (graph.Distances[i][j] < threshold)
                {
                    var n = graph.Neighbours[i][j];
                    sets[i].Add(n);
                    sets[n].Add(i);
                }
            }
        }

        return [.. sets.Select(s => s.Order().ToArray())];
    }
}
