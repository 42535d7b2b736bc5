using FaceIndex.Export;
using FaceIndex.Tests.Catalog;

namespace FaceIndex.Tests.Export;

/// <summary>Every export format reads back to exactly what the catalog holds.</summary>
public sealed class EmbeddingExportTests
{
    [Theory]
    [InlineData(ExportFormat.Npy, "faces.npy")]
    [InlineData(ExportFormat.Parquet, "faces.parquet")]
    [InlineData(ExportFormat.Csv, "faces.csv")]
    public void An_export_round_trips_bit_for_bit(ExportFormat format, string file)
    {
        using var tmp = new TempLibrary();
        using var catalog = CatalogTestData.OpenWithDataset(tmp.Library, out var run);
        var rng = new Random(5);
        catalog.CommitBatch(run,
        [
            CatalogTestData.Image("Ann/a, \"quoted\".jpg", "Ann \"A\", Jr.", 2, rng),
            CatalogTestData.Image("Bob/b.jpg", "Bob", 1, rng),
            CatalogTestData.Image("loose.jpg", null, 1, rng),
        ]);
        var path = Path.Combine(tmp.Root, "out", file);
        var result = EmbeddingExporter.Export(catalog, "lfw-mini", format, path);
        Assert.Equal(4, result.Faces);
        Assert.Equal(128, result.Dimension);
        Assert.All(result.Files, f => Assert.True(File.Exists(f), f));

        var back = EmbeddingExporter.Read(path, format);
        var stored = catalog.DatasetFaces("lfw-mini");
        Assert.Equal(stored.Count, back.Count);
        for (var i = 0; i < stored.Count; i++)
        {
            var s = stored[i].Face;
            var r = back[i];
            Assert.Equal(s.Id, r.FaceId);
            Assert.Equal(s.RelPath, r.ImagePath);
            Assert.Equal(s.Identity, r.Identity);
            Assert.Equal(s.Box, new Detection.FaceBox(r.BoxLeft, r.BoxTop, r.BoxRight, r.BoxBottom));
            Assert.Equal(s.IsSubject, r.IsSubject);
            Assert.Equal(s.ModelId, r.ModelId);
            Assert.Equal(s.Score, r.DetectorScore);
            Assert.Equal(s.Embedding!, r.Embedding);
        }

        var subjects = EmbeddingExporter.Export(catalog, "lfw-mini", format, path, new ExportOptions(SubjectsOnly: true));
        Assert.Equal(3, subjects.Faces);
    }

    [Fact]
    public void An_unknown_dataset_is_refused_with_what_to_do()
    {
        using var tmp = new TempLibrary();
        using var catalog = CatalogTestData.OpenWithDataset(tmp.Library, out _);
        var ex = Assert.ThrowsAny<FaceIndexException>(() => EmbeddingExporter.Export(catalog, "nope", ExportFormat.Csv, Path.Combine(tmp.Root, "x.csv")));
        Assert.Contains("faceindex datasets", ex.Message, StringComparison.Ordinal);
    }
}
