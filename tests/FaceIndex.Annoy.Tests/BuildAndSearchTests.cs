using FaceIndex.Annoy;

namespace FaceIndex.Annoy.Tests;

/// <summary>Multi-threaded builds, the exact index, Manhattan, concurrency and API guards.</summary>
public sealed class BuildAndSearchTests
{
    [Theory]
    [InlineData(AnnoyMetric.Angular)]
    [InlineData(AnnoyMetric.Dot)]
    public void A_two_thread_build_is_deterministic_and_differs_from_the_one_thread_one(AnnoyMetric metric)
    {
        var dir = Directory.CreateTempSubdirectory("annoy-mt-");
        try
        {
            string Save(int threads, string name)
            {
                using var index = Golden.BuildIndex(metric, threads);
                Assert.Equal(10, index.TreeCount);
                var path = Path.Combine(dir.FullName, name);
                index.Save(path);
                return Golden.Sha256(path);
            }

            var a = Save(2, "a.ann");
            var b = Save(2, "b.ann");
            var single = Save(1, "c.ann");
            Assert.Equal(a, b);
            Assert.NotEqual(single, a);

            // The concatenated file is a valid annoy file.
            using var loaded = AnnoyIndex.Open(Path.Combine(dir.FullName, "a.ann"), Golden.Dim, metric);
            Assert.Equal(10, loaded.TreeCount);
            Assert.Equal(Golden.Items, loaded.ItemCount);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [InlineData(AnnoyMetric.Angular, 3)]
    [InlineData(AnnoyMetric.Euclidean, 2)]
    [InlineData(AnnoyMetric.Manhattan, 2)]
    [InlineData(AnnoyMetric.Dot, 1)]
    public void Recall_at_10_against_the_exact_index_is_high(AnnoyMetric metric, int threads)
    {
        using var annoy = Golden.BuildIndex(metric, threads);
        using var exact = new ExactIndex(Golden.Dim, metric);
        for (var i = 0; i < Golden.Items; i++)
        {
            exact.AddItem(i, Golden.Vectors[i]);
        }

        var hits = 0;
        foreach (var q in Golden.QueryVectors)
        {
            var truth = exact.GetNnsByVector(q, 10).Ids;
            hits += annoy.GetNnsByVector(q, 10, 2000).Ids.Intersect(truth).Count();
        }

        Assert.True(hits >= 190, $"recall@10 {hits / 200.0:F3} with searchK 2000");
    }

    [Fact]
    public void The_exact_index_returns_the_exact_angular_top10()
    {
        using var exact = new ExactIndex(Golden.Dim, AnnoyMetric.Angular);
        for (var i = 0; i < Golden.Items; i++)
        {
            exact.AddItem(i, Golden.Vectors[i]);
        }

        var expected = Golden.Root.GetProperty("exact_angular_top10");
        for (var q = 0; q < Golden.Queries; q++)
        {
            var ids = expected[q].EnumerateArray().Select(e => e.GetInt32()).ToArray();
            Assert.Equal(ids, exact.GetNnsByVector(Golden.QueryVectors[q], 10).Ids);
        }
    }

    [Fact]
    public void The_batched_exact_search_equals_one_query_at_a_time()
    {
        using var exact = new ExactIndex(Golden.Dim, AnnoyMetric.Euclidean);
        for (var i = 0; i < Golden.Items; i++)
        {
            exact.AddItem(i, Golden.Vectors[i]);
        }

        var batch = exact.GetNnsByVectors(Golden.QueryVectors, 10, includeDistances: true);
        for (var q = 0; q < Golden.Queries; q++)
        {
            var one = exact.GetNnsByVector(Golden.QueryVectors[q], 10, includeDistances: true);
            Assert.Equal(one.Ids, batch[q].Ids);
            Assert.Equal(one.Distances, batch[q].Distances);
        }
    }

    [Fact]
    public void Concurrent_queries_on_one_index_agree_with_sequential_ones()
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile("angular"), Golden.Dim, AnnoyMetric.Angular);
        var sequential = Golden.QueryVectors.Select(q => index.GetNnsByVector(q, 10, 500).Ids.ToArray()).ToArray();
        var parallel = new int[200][];
        Parallel.For(0, 200, i => parallel[i] = index.GetNnsByVector(Golden.QueryVectors[i % Golden.Queries], 10, 500).Ids.ToArray());
        for (var i = 0; i < 200; i++)
        {
            Assert.Equal(sequential[i % Golden.Queries], parallel[i]);
        }
    }

    [Fact]
    public void The_span_search_writes_what_the_list_search_returns()
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile("dot"), Golden.Dim, AnnoyMetric.Dot);
        Span<int> ids = stackalloc int[10];
        Span<float> distances = stackalloc float[10];
        var count = index.Search(Golden.QueryVectors[4], 10, -1, ids, distances);
        var list = index.GetNnsByVector(Golden.QueryVectors[4], 10, -1, includeDistances: true);
        Assert.Equal(10, count);
        Assert.Equal(list.Ids, ids.ToArray());
        Assert.Equal(list.Distances, distances.ToArray());
    }

    [Fact]
    public void Automatic_tree_count_builds_until_the_trees_hold_as_many_nodes_as_items()
    {
        var dir = Directory.CreateTempSubdirectory("annoy-auto-");
        try
        {
            using var index = Golden.BuildIndex(AnnoyMetric.Euclidean, threads: 1, trees: -1);
            var path = Path.Combine(dir.FullName, "auto.ann");
            index.Save(path);
            var nodes = new FileInfo(path).Length / index.NodeSize;
            var treeNodes = nodes - Golden.Items - index.TreeCount;

            // annoy stops before a tree once the tree nodes reach n_items; each tree here adds ~22 nodes.
            Assert.InRange(treeNodes, Golden.Items, Golden.Items + 60);
            Assert.True(index.TreeCount > 10);
            using var loaded = AnnoyIndex.Open(path, Golden.Dim, AnnoyMetric.Euclidean);
            Assert.Equal(index.TreeCount, loaded.TreeCount);
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Fact]
    public void Unload_returns_the_index_to_empty_and_it_can_load_again()
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile("angular"), Golden.Dim, AnnoyMetric.Angular);
        index.Unload();
        Assert.Equal(0, index.ItemCount);
        Assert.Equal(0, index.TreeCount);
        Assert.Throws<AnnoyException>(() => index.GetNnsByVector(Golden.QueryVectors[0], 10));
        index.Load(Golden.IndexFile("angular"));
        Assert.Equal(10, index.TreeCount);
    }

    [Fact]
    public void Misuse_is_refused_with_clear_errors()
    {
        using var index = new AnnoyIndex(4, AnnoyMetric.Euclidean);
        Assert.Throws<ArgumentException>(() => index.AddItem(0, new float[3]));
        Assert.Throws<AnnoyException>(() => index.GetNnsByVector(new float[4], 1));
        index.AddItem(0, [1, 2, 3, 4]);
        index.AddItem(2, [1, 2, 3, 5]);
        index.Build(3);
        Assert.Throws<AnnoyException>(() => index.AddItem(3, new float[4]));
        Assert.Throws<ArgumentException>(() => index.GetItemVector(1)); // a gap: never added
        Assert.Equal([2, 0], index.GetNnsByVector([1, 2, 3, 6], 5).Ids);
        Assert.Equal(3, index.ItemCount);
    }
}
