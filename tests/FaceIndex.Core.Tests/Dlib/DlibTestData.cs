using System.Text.Json;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceIndex.Tests.Dlib;

/// <summary>One golden chip of tests/data/weights-golden/golden.json: its source, dlib's box and 68 landmarks there.</summary>
internal sealed record GoldenFace(int Index, string Source, string SourcePng, FaceBox Box, int Faces, LandmarkPoint[] Landmarks)
{
    public string ChipPng => TestPaths.DataFile("weights-golden", $"chip{Index}.png");

    public override string ToString() => $"chip{Index} ({Source})";
}

/// <summary>Test-only image loading (ImageSharp 2.x, no orientation or colour handling) and the golden data.</summary>
internal static class DlibTestData
{
    /// <summary>The committed JPEGs that the two committed source PNGs were decoded from.</summary>
    private static readonly Dictionary<string, string> CommittedJpegs = new(StringComparer.Ordinal)
    {
        ["deepface/img17.jpg"] = TestPaths.DataFile("faces", "deepface", "img17.jpg"),
        ["face_recognition/knn_examples/train/rose_leslie/img1.jpg"] = TestPaths.DataFile("faces", "face_recognition", "rose_leslie", "img1.jpg"),
    };

    public static IReadOnlyList<GoldenFace> Golden { get; } = LoadGolden();

    public static RgbImage Load(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var pixels = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(pixels);
        return new RgbImage(image.Width, image.Height, pixels);
    }

    public static RgbImage LoadData(params string[] parts) => Load(TestPaths.DataFile(parts));

    /// <summary>The exact decoded pixels dlib's golden results were computed on: committed for chips 3 and 7, else from ../shared.</summary>
    public static RgbImage LoadSourcePng(GoldenFace face)
    {
        var committed = TestPaths.DataFile("weights-golden", face.SourcePng);
        return Load(File.Exists(committed) ? committed : TestPaths.RequireShared("weights-golden", face.SourcePng));
    }

    /// <summary>The original JPEG: committed for chips 3 and 7, else from ../shared/faces.</summary>
    public static RgbImage LoadSourceJpeg(GoldenFace face) =>
        Load(CommittedJpegs.TryGetValue(face.Source, out var committed) ? committed : TestPaths.RequireShared("faces", face.Source));

    public static RgbImage Gray(int width, int height, byte level)
    {
        var pixels = new byte[width * height * 3];
        Array.Fill(pixels, level);
        return new RgbImage(width, height, pixels);
    }

    /// <summary>The detection whose box centre is nearest the image centre, as the golden data chose.</summary>
    public static FaceDetection NearestCentre(IReadOnlyList<FaceDetection> faces, RgbImage image) =>
        faces.MinBy(f => Math.Pow(f.Box.CenterX - (image.Width / 2.0), 2) + Math.Pow(f.Box.CenterY - (image.Height / 2.0), 2))
        ?? throw new InvalidOperationException("no face detected");

    private static List<GoldenFace> LoadGolden()
    {
        using var doc = JsonDocument.Parse(File.ReadAllText(TestPaths.DataFile("weights-golden", "golden.json")));
        var faces = new List<GoldenFace>();
        foreach (var chip in doc.RootElement.GetProperty("chips").EnumerateArray())
        {
            var file = chip.GetProperty("file").GetString()!;
            var box = chip.GetProperty("box").Deserialize<int[]>()!;
            var marks = chip.GetProperty("landmarks").Deserialize<int[][]>()!;
            faces.Add(new GoldenFace(
                int.Parse(file["chip".Length..^".png".Length], System.Globalization.CultureInfo.InvariantCulture),
                chip.GetProperty("source").GetString()!,
                chip.GetProperty("source_png").GetString()!,
                new FaceBox(box[0], box[1], box[2], box[3]),
                chip.GetProperty("n_faces").GetInt32(),
                [.. marks.Select(p => new LandmarkPoint(p[0], p[1]))]));
        }

        return faces;
    }
}
