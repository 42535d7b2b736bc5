using FaceIndex.Annoy;

namespace FaceIndex.Annoy.Tests;

/// <summary>Byte-for-byte and query-for-query agreement with spotify/annoy 1.17.3.</summary>
public sealed class GoldenCompatibilityTests
{
    public static TheoryData<string> Metrics => new() { "angular", "euclidean", "dot" };

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Loading_annoys_file_returns_annoys_ids_and_distances_for_every_query_and_searchK(string metric)
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile(metric), Golden.Dim, Golden.Metric(metric));
        var entry = Golden.Entry(metric);
        Assert.Equal(Golden.Items, index.ItemCount);
        Assert.Equal(entry.GetProperty("n_trees_loaded").GetInt32(), index.TreeCount);
        Golden.AssertMatchesAnnoy(index, entry);
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Building_with_seed_42_ten_trees_one_thread_writes_annoys_exact_bytes(string metric)
    {
        var dir = Directory.CreateTempSubdirectory("annoy-golden-");
        try
        {
            using var index = Golden.BuildIndex(Golden.Metric(metric));
            var path = Path.Combine(dir.FullName, "built.ann");
            index.Save(path);
            var entry = Golden.Entry(metric);
            Assert.Equal(entry.GetProperty("size_bytes").GetInt64(), new FileInfo(path).Length);
            Assert.Equal(entry.GetProperty("sha256").GetString(), Golden.Sha256(path));
            Assert.Single(Directory.GetFiles(dir.FullName)); // the temporary file was renamed, not left behind
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void On_disk_build_writes_the_same_bytes_and_answers_from_the_mapped_file(string metric)
    {
        var dir = Directory.CreateTempSubdirectory("annoy-ondisk-");
        try
        {
            var path = Path.Combine(dir.FullName, "ondisk.ann");
            using var index = new AnnoyIndex(Golden.Dim, Golden.Metric(metric)) { Seed = 42 };
            index.OnDiskBuild(path);
            for (var i = 0; i < Golden.Items; i++)
            {
                index.AddItem(i, Golden.Vectors[i]);
            }

            index.Build(10);
            Assert.True(index.IsLoaded);
            Assert.Equal(Golden.Entry(metric).GetProperty("sha256").GetString(), Golden.Sha256(path));
            Assert.Equal(["ondisk.ann"], Directory.GetFiles(dir.FullName).Select(Path.GetFileName));
            Golden.AssertMatchesAnnoy(index, Golden.Entry(metric));
        }
        finally
        {
            dir.Delete(true);
        }
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void A_freshly_built_index_answers_like_annoys_loaded_one(string metric)
    {
        using var index = Golden.BuildIndex(Golden.Metric(metric));
        Assert.Equal(10, index.TreeCount);
        Golden.AssertMatchesAnnoy(index, Golden.Entry(metric));
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void By_item_matches_annoy(string metric)
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile(metric), Golden.Dim, Golden.Metric(metric));
        var expected = Golden.Entry(metric).GetProperty("by_item_0_k10_searchk_-1");
        var ids = expected[0].EnumerateArray().Select(e => e.GetInt32()).ToArray();
        var dists = expected[1].EnumerateArray().Select(e => e.GetDouble()).ToArray();
        var got = index.GetNnsByItem(0, 10, -1, includeDistances: true);
        Assert.Equal(ids, got.Ids);
        for (var i = 0; i < ids.Length; i++)
        {
            Assert.True(Math.Abs(dists[i] - got.Distances![i]) <= 1e-5, $"rank {i}: annoy {dists[i]}, ours {got.Distances![i]}");
        }
    }

    [Theory]
    [MemberData(nameof(Metrics))]
    public void Annoys_native_avx512_build_loads_and_answers_its_recorded_results(string metric)
    {
        var native = Golden.Root.GetProperty("native_avx512").GetProperty("files").GetProperty(metric);
        var path = Golden.Path(native.GetProperty("file").GetString()!);
        Assert.Equal(native.GetProperty("sha256").GetString(), Golden.Sha256(path));
        using var index = AnnoyIndex.Open(path, Golden.Dim, Golden.Metric(metric));
        Golden.AssertMatchesAnnoy(index, native);
    }

    [Fact]
    public void Stored_vectors_and_distances_round_trip()
    {
        using var index = AnnoyIndex.Open(Golden.IndexFile("euclidean"), Golden.Dim, AnnoyMetric.Euclidean);
        Assert.Equal(Golden.Vectors[123], index.GetItemVector(123));
        var a = Golden.Vectors[3];
        var b = Golden.Vectors[700];
        var expected = Math.Sqrt(a.Zip(b, (x, y) => (double)(x - y) * (x - y)).Sum());
        Assert.Equal(expected, index.GetDistance(3, 700), 5);

        using var angular = AnnoyIndex.Open(Golden.IndexFile("angular"), Golden.Dim, AnnoyMetric.Angular);
        var byItem = Golden.Entry("angular").GetProperty("by_item_0_k10_searchk_-1");
        Assert.Equal(byItem[1][1].GetDouble(), angular.GetDistance(0, byItem[0][1].GetInt32()), 5);
    }
}
