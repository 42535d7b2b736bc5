using System.Numerics.Tensors;
using FaceIndex.Catalog;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using FaceIndex.Tests.Catalog;
using static FaceIndex.Tests.Catalog.CatalogTestData;

namespace FaceIndex.Tests.Search;

/// <summary>
/// The face index over a catalog, for both kinds: what it finds against exact search, removals, the delta, damaged
/// files. The vectors are face-like (identities of 8 photos each, spread as real embeddings of one person are).
/// Builds use one thread, so each graph is the same on every run.
/// </summary>
public sealed class FaceSearchIndexTests : IDisposable
{
    private const int Identities = 250;
    private const int PerIdentity = 8;
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(AnnKind.Annoy)]
    [InlineData(AnnKind.Hnsw)]
    public void Both_kinds_find_what_exact_search_finds_and_record_how_they_were_tuned(AnnKind kind)
    {
        var (catalog, vectors) = FaceLikeCatalog();
        using (catalog)
        {
            var meta = FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: kind, Threads: 1));

            Assert.Equal(kind == AnnKind.Hnsw, meta.IsHnsw);
            Assert.Equal(Identities * PerIdentity, meta.Items);
            Assert.True(meta.RecallAt10 >= 0.99, $"tuned recall@10 {meta.RecallAt10}");
            Assert.Equal(kind == AnnKind.Hnsw, meta.Tuning.Contains("held out of the graph", StringComparison.Ordinal));
            Assert.Equal(kind == AnnKind.Hnsw ? 200 : 500, meta.RecallQueries);
            Assert.True(File.Exists(Path.Combine(_temp.Library, meta.IndexFile)));
            Assert.Equal(new FileInfo(Path.Combine(_temp.Library, meta.IndexFile)).Length, meta.IndexBytes);

            using var index = FaceSearchIndex.Open(catalog, Model);
            Assert.Equal(meta.Items, index.IndexedCount);
            Assert.Equal(0, index.DeltaCount);

            // New photos of indexed people (not in the index): top 10 against brute force over the catalog.
            var rng = new Random(99);
            int hits = 0, total = 0;
            for (var q = 0; q < 100; q++)
            {
                var query = Photo(Centre(rng.Next(Identities)), rng);
                var expected = ExactTop(vectors, query, 10);
                var found = index.Search(query, 10);
                Assert.Equal(10, found.Count);
                hits += found.Count(h => expected.Contains(h.FaceId));
                total += 10;

                // Distances are float32 Euclidean, re-measured from the catalog even where HNSW stores float16.
                foreach (var hit in found)
                {
                    Assert.Equal(TensorPrimitives.Distance(query, vectors[hit.FaceId]), hit.Distance, 5);
                }

                Assert.True(found.Zip(found.Skip(1)).All(p => p.First.Distance <= p.Second.Distance), "hits come nearest first");
            }

            Assert.True(hits >= 0.97 * total, $"recall@10 on new photos {hits / (double)total:F3}");
        }
    }

    [Fact]
    public void An_unreachable_recall_target_stops_the_tuning_where_more_effort_buys_nothing_and_says_so()
    {
        var (catalog, _) = FaceLikeCatalog();
        using (catalog)
        {
            var meta = FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: AnnKind.Hnsw, TargetRecall: 1.01, Threads: 1));

            Assert.Contains("below the target 1.01", meta.Tuning, StringComparison.Ordinal);
            Assert.InRange(meta.ExpansionSearch, 16, 4096);
            Assert.True(meta.RecallAt10 >= 0.99, $"recall@10 {meta.RecallAt10} where it stopped");
        }
    }

    [Fact]
    public void A_rerun_that_changed_nothing_keeps_the_index_and_a_removal_or_another_kind_rebuilds_it()
    {
        var (catalog, _) = FaceLikeCatalog();
        using (catalog)
        {
            var hnsw = new SearchIndexOptions(Kind: AnnKind.Hnsw, Threads: 1);
            var built = FaceSearchIndex.Build(catalog, Model, hnsw);
            var messages = new List<string>();

            var kept = FaceSearchIndex.BuildIfChanged(catalog, Model, hnsw, messages.Add);

            Assert.Equal(built, kept);
            Assert.Contains(messages, m => m.StartsWith("face index up to date", StringComparison.Ordinal));

            catalog.RemoveIdentity("lfw-mini", Name(3), null);
            var afterRemoval = FaceSearchIndex.BuildIfChanged(catalog, Model, hnsw);
            Assert.Equal(built.Items - PerIdentity, afterRemoval.Items);

            var asAnnoy = FaceSearchIndex.BuildIfChanged(catalog, Model, new SearchIndexOptions(Kind: AnnKind.Annoy, Threads: 1));
            Assert.False(asAnnoy.IsHnsw);
        }
    }

    [Fact]
    public void Auto_builds_annoy_for_small_libraries_and_hnsw_from_the_threshold()
    {
        var auto = new SearchIndexOptions();

        Assert.Equal(AnnKind.Annoy, auto.KindFor(SearchIndexOptions.HnswFromFaces - 1));
        Assert.Equal(AnnKind.Hnsw, auto.KindFor(SearchIndexOptions.HnswFromFaces));
        Assert.Equal(AnnKind.Annoy, new SearchIndexOptions(Kind: AnnKind.Annoy, Threads: 1).KindFor(5_000_000));
        Assert.Equal(AnnKind.Hnsw, new SearchIndexOptions(Kind: AnnKind.Hnsw, Threads: 1).KindFor(10));
    }

    [Fact]
    public void Switching_kind_replaces_the_files_of_the_other_kind()
    {
        var (catalog, _) = FaceLikeCatalog();
        using (catalog)
        {
            FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: AnnKind.Annoy, Threads: 1));
            Assert.True(File.Exists(Path.Combine(_temp.Library, FaceSearchIndex.AnnFile)));

            var meta = FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: AnnKind.Hnsw, Threads: 1));

            Assert.Equal(FaceSearchIndex.HnswFile, meta.IndexFile);
            Assert.False(File.Exists(Path.Combine(_temp.Library, FaceSearchIndex.AnnFile)));
            Assert.False(File.Exists(Path.Combine(_temp.Library, FaceSearchIndex.IdsFile)));
            Assert.True(FaceSearchIndex.ReadMeta(_temp.Library)!.IsHnsw);
        }
    }

    [Theory]
    [InlineData(AnnKind.Annoy)]
    [InlineData(AnnKind.Hnsw)]
    public void A_removed_identity_is_never_returned_even_before_a_rebuild(AnnKind kind)
    {
        var (catalog, vectors) = FaceLikeCatalog();
        using (catalog)
        {
            FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: kind, Threads: 1));
            using var index = FaceSearchIndex.Open(catalog, Model);
            var query = Photo(Centre(7), new Random(3));
            var before = index.Search(query, 10);
            Assert.True(before.Count(h => Identity(h.FaceId) == 7) >= PerIdentity - 1, "the person's own photos come first");

            catalog.RemoveIdentity("lfw-mini", Name(7), "asked to be removed");
            var after = index.Search(query, 10);

            Assert.Equal(10, after.Count);
            Assert.DoesNotContain(after, h => Identity(h.FaceId) == 7);
            Assert.All(after, h => Assert.NotNull(catalog.GetFace(h.FaceId)));
            Assert.Equal(ExactTop(vectors.Where(kv => Identity(kv.Key) != 7).ToDictionary(), query, 10).Order(), after.Select(h => h.FaceId).Order());
        }
    }

    [Fact]
    public void Faces_added_after_the_build_are_searched_exactly_until_the_next_one()
    {
        var (catalog, _) = FaceLikeCatalog();
        using (catalog)
        {
            FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: AnnKind.Hnsw, Threads: 1));
            var newcomer = Photo(Centre(Identities + 1), new Random(4));
            var run = catalog.StartRun("lfw-mini");
            catalog.CommitBatch(run, [WithEmbedding("Newcomer/Newcomer_0001.jpg", "Newcomer", newcomer)]);

            using var index = FaceSearchIndex.Open(catalog, Model);

            Assert.Equal(1, index.DeltaCount);
            var top = index.Search(newcomer, 3)[0];
            Assert.Equal(0f, top.Distance);
            Assert.Equal("Newcomer", catalog.GetFace(top.FaceId)!.Identity);
        }
    }

    [Theory]
    [InlineData(AnnKind.Annoy)]
    [InlineData(AnnKind.Hnsw)]
    public void A_damaged_index_file_is_rebuilt_from_the_catalog_with_a_message(AnnKind kind)
    {
        var (catalog, _) = FaceLikeCatalog();
        using (catalog)
        {
            var meta = FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Kind: kind, Threads: 1));
            var file = Path.Combine(_temp.Library, meta.IndexFile);
            File.WriteAllBytes(file, File.ReadAllBytes(file)[..(int)(meta.IndexBytes / 2)]);
            var messages = new List<string>();

            using var index = FaceSearchIndex.Open(catalog, Model, new SearchIndexOptions(Kind: kind, Threads: 1), messages.Add);

            Assert.Contains(messages, m => m.Contains(meta.IndexFile, StringComparison.Ordinal) && m.Contains("rebuilding", StringComparison.Ordinal));
            Assert.Equal(meta.Items, index.IndexedCount);
            Assert.Equal(FaceSearchIndex.ReadMeta(_temp.Library)!.IndexBytes, new FileInfo(file).Length);
            Assert.Equal(10, index.Search(Photo(Centre(1), new Random(5)), 10).Count);
        }
    }

    private static int Identity(long faceId) => (int)((faceId - 1) / PerIdentity);

    private static string Name(int identity) => $"Person_{identity:D4}";

    private static float[] Centre(int identity)
    {
        var rng = new Random(1000 + identity);
        var v = new float[Dimension];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)Normal(rng);
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    /// <summary>One "photo" of a person: the centre plus noise, at the spread of real same-person embeddings (~0.35-0.5 apart).</summary>
    private static float[] Photo(float[] centre, Random rng)
    {
        var v = new float[Dimension];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = centre[i] + (float)(0.35 / Math.Sqrt(Dimension) * Normal(rng));
        }

        return v;
    }

    private static double Normal(Random rng) => Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble());

    private static long[] ExactTop(IReadOnlyDictionary<long, float[]> vectors, float[] query, int k) =>
        [.. vectors.OrderBy(kv => TensorPrimitives.Distance(query, kv.Value)).Take(k).Select(kv => kv.Key)];

    private static ImageResult WithEmbedding(string relPath, string identity, float[] embedding)
    {
        var box = new FaceBox(60, 60, 190, 190);
        var face = new FaceRecord(0, box, 1.0, new FaceLandmarks(box, Shape(box, new Random(1))), embedding, Model);
        return new ImageResult(relPath, Sha(relPath), 20_000, 250, 250, identity, ImageStatus.Ok, null, null, [new ImageFace(face, true)]);
    }

    /// <summary>A catalog of Identities x PerIdentity faces (face id n+1 is photo n); the vectors by face id.</summary>
    private (FaceCatalog Catalog, Dictionary<long, float[]> Vectors) FaceLikeCatalog()
    {
        var catalog = OpenWithDataset(_temp.Library, out var run);
        var rng = new Random(42);
        var vectors = new Dictionary<long, float[]>();
        var batch = new List<ImageResult>();
        for (var p = 0; p < Identities; p++)
        {
            var centre = Centre(p);
            for (var j = 0; j < PerIdentity; j++)
            {
                var embedding = Photo(centre, rng);
                vectors[vectors.Count + 1] = embedding;
                batch.Add(WithEmbedding($"{Name(p)}/{Name(p)}_{j:D4}.jpg", Name(p), embedding));
            }
        }

        catalog.CommitBatch(run, batch);
        catalog.FinishRun(run, RunStatus.Completed);
        Assert.Equal(vectors.Count, catalog.MaxFaceId());
        return (catalog, vectors);
    }
}
