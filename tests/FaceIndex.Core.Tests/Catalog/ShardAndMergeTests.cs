using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;

namespace FaceIndex.Tests.Catalog;

/// <summary>Shard-and-merge (a cluster without a database server) gives the library one run gives.</summary>
public sealed class ShardAndMergeTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Shards_partition_a_dataset_deterministically()
    {
        var paths = Enumerable.Range(0, 2000).Select(i => $"person_{i % 97}/img_{i:D4}.jpg").ToList();

        var parts = paths.GroupBy(p => ShardSpec.PartOf(p, 7)).ToDictionary(g => g.Key, g => g.Count());

        Assert.Equal(7, parts.Count);
        Assert.All(parts.Values, n => Assert.InRange(n, 2000 / 7 * 0.75, 2000 / 7 * 1.25));
        foreach (var p in paths)
        {
            Assert.Single(Enumerable.Range(1, 7), i => new ShardSpec(i, 7).Contains(p));
        }

        // Fixed across processes and machines: the SHA-256 of the path, not string.GetHashCode.
        Assert.Equal(ShardSpec.PartOf("Aaron_Eckhart/Aaron_Eckhart_0001.jpg", 1000), ShardSpec.PartOf("Aaron_Eckhart/Aaron_Eckhart_0001.jpg", 1000));
        Assert.Equal(new ShardSpec(2, 8), ShardSpec.Parse("2/8"));
        foreach (var bad in new[] { "0/4", "5/4", "1/0", "x/4", "3", "-1/4" })
        {
            var ex = Assert.Throws<FaceIndexException>(() => ShardSpec.Parse(bad));
            Assert.Contains("I/N", ex.Message, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Three_shards_merged_equal_one_run_and_a_second_merge_adds_nothing()
    {
        var root = SampleDataset();
        var info = new DatasetInfo("sample", "MIT", Layout: DatasetLayout.IdentityFolders);
        using var engine = FaceEngine.Load();
        var one = Path.Combine(_temp.Root, "one");
        using (var catalog = FaceCatalog.Open(one))
        {
            new DatasetIndexer(engine, catalog, new IndexerOptions(Workers: 1)).Run(info, root);
        }

        var shards = new List<string>();
        for (var i = 1; i <= 3; i++)
        {
            var shard = Path.Combine(_temp.Root, $"shard{i}");
            using var catalog = FaceCatalog.Open(shard);
            new DatasetIndexer(engine, catalog, new IndexerOptions(Workers: 1, Shard: new ShardSpec(i, 3))).Run(info, root);
            shards.Add(shard);
        }

        var merged = Path.Combine(_temp.Root, "merged");
        using (var catalog = FaceCatalog.Open(merged))
        {
            var first = shards.Select(s => catalog.MergeFrom(s)).ToList();
            var again = shards.Select(s => catalog.MergeFrom(s)).ToList();

            Assert.True(first.Sum(s => s.ImagesAdded) > 0);
            Assert.All(first, s => Assert.True(s.ImagesAdded > 0, $"shard {s.Source} added no image: the split is uneven for this sample"));
            Assert.Equal(0, again.Sum(s => s.ImagesAdded + s.ImagesReplaced + s.FacesAdded + s.RunsAdded + s.DatasetsAdded));
            Assert.Equal(3, catalog.Runs().Count);
            Assert.True(catalog.Check().IsOk);
        }

        // Boxes, landmarks-derived chips, scores and labels are identical. Embeddings agree to float rounding only:
        // the network's batches hold other chips in a shard than in one run, and a batched convolution's sums
        // are not bitwise independent of the batch (seen: 3e-8).
        var (expected, expectedVectors) = Snapshot(one);
        var (actual, actualVectors) = Snapshot(merged);
        Assert.Equal(expected, actual);
        Assert.Equal(expectedVectors.Keys.Order(), actualVectors.Keys.Order());
        foreach (var (key, vector) in expectedVectors)
        {
            var max = vector.Zip(actualVectors[key], (x, y) => Math.Abs(x - y)).Max();
            Assert.True(max < 1e-5, $"{key}: embeddings differ by {max}");
        }
    }

    [Fact]
    public void A_removal_made_in_one_shard_covers_the_images_other_shards_indexed()
    {
        var a = Path.Combine(_temp.Root, "a");
        var b = Path.Combine(_temp.Root, "b");
        var rng = new Random(7);
        using (var catalog = CatalogTestData.OpenWithDataset(a, out var run))
        {
            catalog.CommitBatch(run, [CatalogTestData.Image("obama/1.jpg", "obama", 1, rng), CatalogTestData.Image("biden/1.jpg", "biden", 1, rng)]);
            catalog.RemoveIdentity("lfw-mini", "kit", "request 2026-12-01"); // kit is indexed only by shard b
            catalog.RemoveImage("lfw-mini", "obama/1.jpg", "request 2026-12-02"); // its content is also in b under another name
        }

        using (var catalog = CatalogTestData.OpenWithDataset(b, out var run))
        {
            catalog.CommitBatch(run, [
                CatalogTestData.Image("kit/1.jpg", "kit", 2, rng),
                CatalogTestData.Image("obama/copy.jpg", "obama", 1, rng, content: "obama/1.jpg"),
                CatalogTestData.Image("rose/1.jpg", "rose", 1, rng),
            ]);
        }

        using var merged = FaceCatalog.Open(Path.Combine(_temp.Root, "merged"));
        merged.MergeFrom(a);
        var summary = merged.MergeFrom(b);

        Assert.Equal(3, summary.FacesRemoved); // kit's two faces, and the copy of the removed file
        Assert.Equal(2, merged.Removals().Count);
        Assert.Equal(2, merged.FaceCount()); // biden and rose
        Assert.Equal(ImageStatus.Removed, merged.GetImage("lfw-mini", "obama/copy.jpg")!.Status);
        Assert.Equal(ImageStatus.Removed, merged.GetImage("lfw-mini", "kit/1.jpg")!.Status);
        Assert.True(merged.IsBlocked("lfw-mini", "kit/2.jpg", [], "kit"));
    }

    [Fact]
    public void Datasets_that_disagree_on_their_licence_are_not_merged()
    {
        var a = Path.Combine(_temp.Root, "a");
        var b = Path.Combine(_temp.Root, "b");
        using (var catalog = FaceCatalog.Open(a))
        {
            catalog.RegisterDataset(new DatasetInfo("lfw", "research use", Layout: DatasetLayout.IdentityFolders), "/data/lfw");
        }

        using (var catalog = FaceCatalog.Open(b))
        {
            catalog.RegisterDataset(new DatasetInfo("lfw", "CC BY 4.0", Layout: DatasetLayout.IdentityFolders), "/data/lfw");
        }

        using var merged = FaceCatalog.Open(a);
        var ex = Assert.Throws<CatalogException>(() => merged.MergeFrom(b));

        Assert.Contains("\"lfw\"", ex.Message, StringComparison.Ordinal);
        Assert.Contains("--licence", ex.Message, StringComparison.Ordinal);
    }

    private string SampleDataset()
    {
        // The committed sample plus the committed deepface photos as a fourth and fifth identity folder.
        var root = _temp.Sub("sample");
        foreach (var dir in Directory.GetDirectories(TestPaths.DataFile("faces", "face_recognition")))
        {
            var to = Path.Combine(root, Path.GetFileName(dir));
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(dir))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }

        var other = Path.Combine(root, "deepface");
        Directory.CreateDirectory(other);
        foreach (var file in Directory.GetFiles(TestPaths.DataFile("faces", "deepface")))
        {
            File.Copy(file, Path.Combine(other, Path.GetFileName(file)));
        }

        return root;
    }

    /// <summary>Every image and face of a library, keyed by path: status, boxes, scores; embeddings apart. Ids left out.</summary>
    private static (string Text, Dictionary<string, float[]> Vectors) Snapshot(string library)
    {
        using var catalog = FaceCatalog.Open(library, new CatalogOpenOptions(ReadOnly: true));
        var faces = catalog.GetFaces([.. Enumerable.Range(1, (int)catalog.MaxFaceId()).Select(i => (long)i)]).Values;
        var lines = faces
            .Select(f => $"{f.Dataset}/{f.RelPath}#{f.FaceIndex} {f.Identity} {f.Box} {f.Score:R} subject={f.IsSubject} {f.ModelId} landmarks={string.Join(';', f.Landmarks)}")
            .Order(StringComparer.Ordinal);
        var images = catalog.CountByStatus().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}");
        return (string.Join('\n', images.Concat(lines)), faces.ToDictionary(f => $"{f.RelPath}#{f.FaceIndex}", f => f.Embedding!));
    }
}
