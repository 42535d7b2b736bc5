using System.Text.Json;
using FaceIndex.Imaging;
using FaceIndex.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>The committed golden chips (tests/data/weights-golden) and their reference embeddings.</summary>
internal static class GoldenChips
{
    public const int Count = 8;

    private static readonly Lazy<JsonDocument> Golden = new(() =>
        JsonDocument.Parse(File.ReadAllText(TestPaths.DataFile("weights-golden", "golden.json"))));

    public static RgbImage Chip(int i) => LoadRgb(TestPaths.DataFile("weights-golden", $"chip{i}.png"));

    public static IReadOnlyList<RgbImage> All() => [.. Enumerable.Range(0, Count).Select(Chip)];

    /// <summary>face-api's output for chip i (the port must reproduce it).</summary>
    public static float[] FaceApi(int i) => Vector(i, "faceapi_node");

    /// <summary>dlib's original float32 model's output for chip i.</summary>
    public static float[] Dlib(int i) => Vector(i, "dlib");

    /// <summary>Test helper only: decodes a PNG to the RGB layout Core uses (the production decoder lives in Core/Imaging).</summary>
    public static RgbImage LoadRgb(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return new RgbImage(image.Width, image.Height, bytes);
    }

    public static RgbImage Mirror(RgbImage image)
    {
        var src = image.Pixels;
        var dst = new byte[src.Length];
        for (var y = 0; y < image.Height; y++)
        {
            for (var x = 0; x < image.Width; x++)
            {
                var s = (y * image.Width + x) * 3;
                var d = (y * image.Width + (image.Width - 1 - x)) * 3;
                dst[d] = src[s];
                dst[d + 1] = src[s + 1];
                dst[d + 2] = src[s + 2];
            }
        }

        return new RgbImage(image.Width, image.Height, dst);
    }

    public static double MaxAbsDiff(float[] a, float[] b)
    {
        Assert.Equal(a.Length, b.Length);
        var max = 0.0;
        for (var i = 0; i < a.Length; i++)
        {
            max = Math.Max(max, Math.Abs((double)a[i] - b[i]));
        }

        return max;
    }

    public static double Cosine(float[] a, float[] b)
    {
        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Length; i++)
        {
            dot += (double)a[i] * b[i];
            na += (double)a[i] * a[i];
            nb += (double)b[i] * b[i];
        }

        return dot / Math.Sqrt(na * nb);
    }

    public static double Norm(float[] a) => Math.Sqrt(a.Sum(x => (double)x * x));

    private static float[] Vector(int i, string key) =>
        [.. Golden.Value.RootElement.GetProperty("chips")[i].GetProperty(key).EnumerateArray().Select(e => e.GetSingle())];
}
