using System.Globalization;
using FaceIndex.Catalog;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using Xunit.Abstractions;
using static FaceIndex.Tests.Catalog.CatalogTestData;

namespace FaceIndex.Tests.Catalog;

public sealed class CatalogSizeTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Landmarks_round_trip_exactly_and_pack_small()
    {
        var rng = new Random(11);
        var face = Face(0, rng);
        var odd = new FaceBox(-5, 10, 2_000_000, 2_000_100);
        LandmarkPoint[] extremes = [new(int.MinValue, int.MaxValue), new(-5, 10), new(int.MaxValue, int.MinValue), new(0, 0)];

        var blob = FaceBlobs.EncodeLandmarks(face.Box, face.Landmarks.Points);

        Assert.Equal(face.Landmarks.Points, FaceBlobs.DecodeLandmarks(face.Box, blob));
        Assert.Equal(extremes, FaceBlobs.DecodeLandmarks(odd, FaceBlobs.EncodeLandmarks(odd, extremes)));
        Assert.True(blob.Length < 68 * 2 * 2, $"68 landmarks took {blob.Length} bytes; int16 pairs take 272");
    }

    [Fact]
    public void Ten_thousand_faces_take_under_950_bytes_each_on_disk()
    {
        var perFace = Measure(10_000);

        Assert.True(perFace < 950, $"{perFace:F0} bytes a face");
    }

    /// <summary>The hand benchmark: FACEINDEX_CATALOG_BENCH=100000 (or 1000000) dotnet test --filter CatalogSize_hand_benchmark;
    /// FACEINDEX_CATALOG_BENCH_KEEP=file keeps the catalog for a look with sqlite3.</summary>
    [SkippableFact]
    public void CatalogSize_hand_benchmark()
    {
        var n = Environment.GetEnvironmentVariable("FACEINDEX_CATALOG_BENCH");
        Skip.If(string.IsNullOrEmpty(n), "a hand benchmark: set FACEINDEX_CATALOG_BENCH to a face count");
        Measure(int.Parse(n, CultureInfo.InvariantCulture));
    }

    private double Measure(int faces)
    {
        var clock = System.Diagnostics.Stopwatch.StartNew();
        long bytes;
        using (var catalog = OpenWithDataset(_temp.Library, out var run))
        {
            Fill(catalog, run, faces, batchSize: 512);
            catalog.Checkpoint();
            Assert.Equal(faces, catalog.FaceCount());
            bytes = new FileInfo(catalog.DatabasePath).Length;
            var written = clock.Elapsed;
            clock.Restart();
            double sum = 0;
            var streamed = catalog.VisitEmbeddings(Model, 0, (_, e) => sum += e[0]);
            Assert.Equal(faces, streamed);
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"written in {written.TotalSeconds:F1} s; all embeddings streamed in {clock.Elapsed.TotalSeconds:F2} s"));
        }

        if (Environment.GetEnvironmentVariable("FACEINDEX_CATALOG_BENCH_KEEP") is { Length: > 0 } keep)
        {
            File.Copy(Path.Combine(_temp.Library, FaceCatalog.FileName), keep, overwrite: true);
        }

        var perFace = (double)bytes / faces;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{faces} faces (one per image, 4 images an identity): catalog.db {bytes} bytes, {perFace:F1} bytes a face"));
        return perFace;
    }
}
