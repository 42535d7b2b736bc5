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
/// A reader's face index (read-only catalog, no lock) beside a writer: it never rebuilds, catches up with faces the
/// writer commits, drops faces the writer removes, and takes up a new build once it is renamed into place.
/// </summary>
public sealed class FaceSearchIndexReaderTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(AnnKind.Annoy)]
    [InlineData(AnnKind.Hnsw)]
    public void A_reader_sees_faces_added_and_removed_by_a_writer_and_takes_up_its_new_build(AnnKind kind)
    {
        var options = new SearchIndexOptions(Kind: kind, Threads: 1);
        using var writer = OpenWithDataset(_temp.Library, out var run);
        writer.CommitBatch(run, [.. Enumerable.Range(0, 200).Select(i => WithEmbedding($"P{i / 4}/P{i / 4}_{i % 4}.jpg", $"P{i / 4}", Photo(Centre(i / 4), new Random(i))))]);
        var first = FaceSearchIndex.Build(writer, Model, options);

        using var reader = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true));
        var index = FaceSearchIndex.Open(reader, Model);
        try
        {
            Assert.Equal(first.BuiltAt, index.Meta!.BuiltAt);
            var newcomer = Photo(Centre(999), new Random(7));
            Assert.NotEqual(0f, index.Search(newcomer, 1)[0].Distance);

            // The writer commits a face: the same reader index finds it at once, exactly.
            writer.CommitBatch(writer.StartRun("lfw-mini"), [WithEmbedding("New/New_0001.jpg", "New", newcomer)]);
            Assert.Same(index, index.Refresh());
            Assert.Equal(1, index.DeltaCount);
            var found = index.Search(newcomer, 1)[0];
            Assert.Equal(0f, found.Distance);

            // The writer removes it: gone from the next search, before any rebuild.
            writer.RemoveIdentity("lfw-mini", "New", "test");
            Assert.NotEqual(found.FaceId, index.Refresh().Search(newcomer, 1)[0].FaceId);

            // The writer rebuilds and renames the new build into place: the reader opens it and its delta empties.
            writer.CommitBatch(writer.StartRun("lfw-mini"), [WithEmbedding("Again/Again_0001.jpg", "Again", newcomer)]);
            var second = FaceSearchIndex.Build(writer, Model, options);
            var fresh = index.Refresh();
            Assert.NotSame(index, fresh);
            index.Dispose();
            index = fresh;
            Assert.Equal(second.BuiltAt, index.Meta!.BuiltAt);
            Assert.Equal(0, index.DeltaCount);
            Assert.Equal(0f, index.Search(newcomer, 1)[0].Distance);
        }
        finally
        {
            index.Dispose();
        }
    }

    [Fact]
    public void A_reader_never_rebuilds_a_missing_index_it_searches_exactly_and_says_so()
    {
        using (var writer = OpenWithDataset(_temp.Library, out var run))
        {
            writer.CommitBatch(run, [.. Enumerable.Range(0, 40).Select(i => WithEmbedding($"P{i / 4}/P{i / 4}_{i % 4}.jpg", $"P{i / 4}", Photo(Centre(i / 4), new Random(i))))]);
        }

        using var reader = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true));
        var messages = new List<string>();
        using var index = FaceSearchIndex.Open(reader, Model, log: messages.Add);

        Assert.Null(index.Meta);
        Assert.Equal(40, index.DeltaCount);
        Assert.False(File.Exists(Path.Combine(_temp.Library, FaceSearchIndex.MetaFile)));
        Assert.Contains(messages, m => m.Contains("does not rebuild", StringComparison.Ordinal));
        Assert.Equal(0f, index.Search(Photo(Centre(3), new Random(13)), 1)[0].Distance);
    }

    private static float[] Centre(int identity)
    {
        var rng = new Random(1000 + identity);
        var v = new float[Dimension];
        for (var i = 0; i < v.Length; i++)
        {
            v[i] = (float)(Math.Sqrt(-2 * Math.Log(1 - rng.NextDouble())) * Math.Cos(2 * Math.PI * rng.NextDouble()));
        }

        TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v);
        return v;
    }

    private static float[] Photo(float[] centre, Random rng) =>
        [.. centre.Select(c => c + (float)(0.35 / Math.Sqrt(Dimension) * (rng.NextDouble() - 0.5) * 3.4))];

    private static ImageResult WithEmbedding(string relPath, string identity, float[] embedding)
    {
        var box = new FaceBox(60, 60, 190, 190);
        var face = new FaceRecord(0, box, 1.0, new FaceLandmarks(box, Shape(box, new Random(1))), embedding, Model);
        return new ImageResult(relPath, Sha(relPath), 20_000, 250, 250, identity, ImageStatus.Ok, null, null, [new ImageFace(face, true)]);
    }
}
