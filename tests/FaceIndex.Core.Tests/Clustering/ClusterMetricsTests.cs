using FaceIndex.Clustering;

namespace FaceIndex.Tests.Clustering;

/// <summary>The clustering scores against values worked out by hand, and the two algorithms on tiny graphs.</summary>
public sealed class ClusterMetricsTests
{
    [Fact]
    public void Pairwise_and_BCubed_scores_match_the_hand_computed_values()
    {
        // Labels a a a b b c; clusters {0,1} {2,3,4} {5}.
        // Pairs together and sharing a label: (0,1), (3,4) = 2; pairs put together: 1 + 3 = 4; pairs sharing a label: 3 + 1 = 4.
        // BCubed precision per item: 1, 1, 1/3, 2/3, 2/3, 1 -> 14/3 / 6 = 7/9; recall: 2/3, 2/3, 1/3, 1, 1, 1 -> 14/3 / 6 = 7/9.
        var m = ClusterMetrics.Compute([1, 1, 2, 2, 2, 3], ["a", "a", "a", "b", "b", "c"]);
        Assert.Equal(0.5, m.PairwisePrecision, 12);
        Assert.Equal(0.5, m.PairwiseRecall, 12);
        Assert.Equal(0.5, m.PairwiseF, 12);
        Assert.Equal(7.0 / 9, m.BCubedPrecision, 12);
        Assert.Equal(7.0 / 9, m.BCubedRecall, 12);
        Assert.Equal(7.0 / 9, m.BCubedF, 12);
        Assert.Equal(3, m.Clusters);
        Assert.Equal(3, m.Identities);
        Assert.Equal(1, m.Singletons);
    }

    [Fact]
    public void A_perfect_clustering_scores_one_and_all_singletons_have_no_recall()
    {
        var perfect = ClusterMetrics.Compute([7, 7, 9, 9, 9], ["x", "x", "y", "y", "y"]);
        Assert.Equal(1, perfect.PairwiseF, 12);
        Assert.Equal(1, perfect.BCubedF, 12);

        // Every face alone: no pair put together (precision 1 by convention), pairwise recall 0; BCubed recall 1/2 for each x, 1/3 for each y.
        var alone = ClusterMetrics.Compute([0, 1, 2, 3, 4], ["x", "x", "y", "y", "y"]);
        Assert.Equal(0, alone.PairwiseRecall, 12);
        Assert.Equal(1, alone.BCubedPrecision, 12);
        Assert.Equal(((2 * 0.5) + (3 / 3.0)) / 5, alone.BCubedRecall, 12);
    }

    [Fact]
    public void Average_linkage_keeps_two_groups_apart_though_a_bridge_face_is_close_to_both()
    {
        // Two tight groups of four 2-d points, 1.0 apart, and a bridge point 0.45 from one member of each.
        float[][] vectors =
        [
            [0, 0], [0.1f, 0], [0, 0.1f], [0.1f, 0.1f],
            [1, 0], [1.1f, 0], [1, 0.1f], [1.1f, 0.1f],
            [0.55f, 0.05f],
        ];
        var graph = AllPairs(vectors, 8);
        var cw = ChineseWhispers.Run(ChineseWhispers.Adjacency(graph, 0.6), 100, 42);
        Assert.Equal(cw[0], cw[3]);
        Assert.Equal(cw[4], cw[7]);

        var al = AverageLinkage.Run(vectors, graph, 0.6);
        Assert.Equal(al[0], al[3]);
        Assert.Equal(al[4], al[7]);
        Assert.NotEqual(al[0], al[4]);

        // Single linkage at the same threshold would chain everything through the bridge.
        Assert.True(graph.Distances[8].All(d => d < 0.6));
    }

    [Fact]
    public void Chinese_whispers_is_repeatable_for_a_seed_and_leaves_isolated_faces_alone()
    {
        float[][] vectors = [[0, 0], [0.1f, 0], [5, 5], [5.1f, 5], [9, 0]];
        var graph = AllPairs(vectors, 4);
        var a = ChineseWhispers.Run(ChineseWhispers.Adjacency(graph, 0.6), 100, 7);
        var b = ChineseWhispers.Run(ChineseWhispers.Adjacency(graph, 0.6), 100, 7);
        Assert.Equal(a, b);
        Assert.Equal(a[0], a[1]);
        Assert.Equal(a[2], a[3]);
        Assert.NotEqual(a[0], a[2]);
        Assert.Equal(4, a[4]);
    }

    /// <summary>An exact kNN graph (the index is tested elsewhere; here only the clustering is).</summary>
    private static KnnGraph AllPairs(float[][] v, int k)
    {
        var neighbours = new int[v.Length][];
        var distances = new float[v.Length][];
        for (var i = 0; i < v.Length; i++)
        {
            var near = Enumerable.Range(0, v.Length).Where(j => j != i)
                .Select(j => (j, d: System.Numerics.Tensors.TensorPrimitives.Distance(v[i], v[j]))).OrderBy(x => x.d).Take(k).ToList();
            neighbours[i] = [.. near.Select(x => x.j)];
            distances[i] = [.. near.Select(x => x.d)];
        }

        return new KnnGraph(neighbours, distances);
    }
}
