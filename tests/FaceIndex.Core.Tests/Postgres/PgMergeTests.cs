using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;
using FaceIndex.Tests.Catalog;

namespace FaceIndex.Tests.Postgres;

/// <summary>Shard-and-merge into a PostgreSQL library (the contract's writes) gives the library one run gives.</summary>
[Collection(PostgresTests.Name)]
public sealed class PgMergeTests(PostgresCluster pg) : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void Two_shards_merged_into_PostgreSQL_equal_one_run_honour_a_shards_removal_and_merge_once()
    {
        pg.Require();
        var root = _temp.Sub("sample");
        Tests.Catalog.Contract.RealFaces.CopySample(root);
        var info = new DatasetInfo("sample", "MIT", Layout: DatasetLayout.IdentityFolders);
        using var engine = FaceEngine.Load();
        var one = Path.Combine(_temp.Root, "one");
        using (var catalog = FaceCatalog.Open(one))
        {
            new DatasetIndexer(engine, catalog, new IndexerOptions(Workers: 1)).Run(info, root);
            catalog.RemoveIdentity("sample", "obama", "asked");
        }

        var shards = new List<string>();
        for (var i = 1; i <= 2; i++)
        {
            var shard = Path.Combine(_temp.Root, $"shard{i}");
            using var catalog = FaceCatalog.Open(shard);
            new DatasetIndexer(engine, catalog, new IndexerOptions(Workers: 1, Shard: new ShardSpec(i, 2))).Run(info, root);
            if (i == 1)
            {
                catalog.RemoveIdentity("sample", "obama", "asked");
            }

            shards.Add(shard);
        }

        using var target = CatalogFactory.Open(pg.NewLibrary());
        var first = shards.Select(s => Merge(s, target)).ToList();
        var again = shards.Select(s => Merge(s, target)).ToList();

        Assert.All(first, s => Assert.True(s.ImagesAdded > 0, $"shard {s.Source} added no image"));
        Assert.Equal(1, first.Sum(s => s.RemovalsAdded));
        Assert.Equal(0, again.Sum(s => s.ImagesAdded + s.ImagesReplaced + s.FacesAdded + s.RunsAdded + s.DatasetsAdded + s.RemovalsAdded));
        Assert.Equal(2, target.Runs().Count);
        Assert.Empty(target.FacesOfIdentity("sample", "obama"));
        Assert.Single(target.Removals());
        using var expected = CatalogFactory.OpenReader(one);
        Assert.Equal(Snapshot(expected), Snapshot(target));
    }

    private static MergeSummary Merge(string shard, IFaceCatalog target)
    {
        using var source = FaceCatalog.Open(shard, new CatalogOpenOptions(ReadOnly: true));
        return CatalogMerger.Merge(source, target);
    }

    /// <summary>Images by status and every face (box, score, landmarks, subject, embedding) by path: ids left out.</summary>
    private static string Snapshot(ICatalogReader catalog)
    {
        var faces = catalog.GetFaces([.. Enumerable.Range(1, (int)catalog.MaxFaceId()).Select(i => (long)i)]).Values;
        var lines = faces
            .Select(f => $"{f.Dataset}/{f.RelPath}#{f.FaceIndex} {f.Identity} {f.Box} {f.Score:R} subject={f.IsSubject} {f.ModelId} landmarks={string.Join(';', f.Landmarks)} {string.Join(',', f.Embedding!.Select(v => MathF.Round(v, 5)))}")
            .Order(StringComparer.Ordinal);
        var images = catalog.CountByStatus().OrderBy(kv => kv.Key).Select(kv => $"{kv.Key}={kv.Value}");
        return string.Join('\n', images.Concat(lines));
    }
}
