using System.Text.Json;
using FaceIndex.Core.Tests.Embedding;
using FaceIndex.Imaging;
using FaceIndex.Tests;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>face-api's own SSD outputs for lossless images (tests/data/ssd-golden/golden.json; README.md there says how they were made).</summary>
internal static class SsdGolden
{
    private static readonly JsonSerializerOptions Json = new() { PropertyNameCaseInsensitive = true };

    private static readonly Lazy<GoldenFile> File = new(() =>
        JsonSerializer.Deserialize<GoldenFile>(System.IO.File.ReadAllText(TestPaths.DataFile("ssd-golden", "golden.json")), Json)!);

    public static IReadOnlyList<GoldenImage> Images => File.Value.Images;

    public static double MinConfidence => File.Value.MinConfidence;

    /// <summary>The file's image names (for theory data).</summary>
    public static TheoryData<string> Names()
    {
        var data = new TheoryData<string>();
        foreach (var image in Images)
        {
            data.Add(image.File);
        }

        return data;
    }

    public static GoldenImage Get(string file) => Images.Single(i => i.File == file);

    /// <summary>The image: "data:" under tests/data, "shared:" under ../shared (the test skips when it is absent).</summary>
    public static RgbImage Load(string file)
    {
        var parts = file.Split(':', 2);
        var path = parts[0] == "data"
            ? TestPaths.DataFile(parts[1].Split('/'))
            : TestPaths.RequireShared(parts[1].Split('/'));
        return GoldenChips.LoadRgb(path);
    }

    internal sealed record GoldenFile(string Tool, double MinConfidence, IReadOnlyList<GoldenImage> Images);

    internal sealed record GoldenImage(string File, int Width, int Height, IReadOnlyList<GoldenDetection> Detections, IReadOnlyList<GoldenAnchor> TopAnchors);

    internal sealed record GoldenDetection(double Score, double X, double Y, double Width, double Height);

    internal sealed record GoldenAnchor(int Anchor, double Score, double[] Box);
}
