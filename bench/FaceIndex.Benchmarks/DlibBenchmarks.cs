using BenchmarkDotNet.Attributes;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using FaceIndex.Models;
using FaceIndex.Native;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Benchmarks;

/// <summary>
/// dlib through the shim, single-threaded, on committed face photos cropped and resized to 250x250 like LFW (the face about
/// 110 px wide, centred): each figure is per image
/// or per face. Run: <c>dotnet run -c Release --project bench/FaceIndex.Benchmarks -- --filter '*Dlib*'</c>.
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DlibBenchmarks : IDisposable
{
    private static readonly string[] Photos =
    [
        "deepface/img17.jpg", "deepface/target.jpg", "face_recognition/obama/obama.jpg", "face_recognition/obama/obama2.jpg",
        "face_recognition/rose_leslie/img1.jpg", "face_recognition/rose_leslie/img2.jpg", "face_recognition/kit_harington/john2.jpeg",
    ];

    private DlibModels? models;
    private DlibWorker? worker;
    private RgbImage[] images = [];
    private FaceBox[] boxes = [];
    private FaceLandmarks[] shapes = [];
    private byte[] chip = [];

    [GlobalSetup]
    public void Setup()
    {
        models = DlibModels.Load(ModelFiles.Require(ModelFiles.ShapePredictor68));
        worker = models.CreateWorker();
        var faces = FindRepoFile("tests", "data", "faces");
        images = [.. Photos.Select(p => LoadLfwLike(Path.Combine(faces, p), worker.Detector))];
        boxes = [.. images.Select(i => worker.Detector.Detect(i, 1).MaxBy(f => f.Box.Area)?.Box
            ?? throw new InvalidOperationException("a benchmark photo has no face at upsample 1"))];
        shapes = [.. images.Select((i, k) => worker.Landmarker.Predict(i, boxes[k]))];
        chip = new byte[150 * 150 * 3];
    }

    [Benchmark(Description = "detect, upsample 0 (per 250x250 image)", OperationsPerInvoke = 7)]
    public int DetectUpsample0() => DetectAll(0);

    [Benchmark(Description = "detect, upsample 1 (per 250x250 image)", OperationsPerInvoke = 7)]
    public int DetectUpsample1() => DetectAll(1);

    [Benchmark(Description = "68 landmarks (per face)", OperationsPerInvoke = 7)]
    public int Landmarks()
    {
        var sum = 0;
        for (var i = 0; i < images.Length; i++)
        {
            sum += worker!.Landmarker.Predict(images[i], boxes[i]).Points[30].X;
        }

        return sum;
    }

    [Benchmark(Description = "150x150 face chip into a reused buffer (per face)", OperationsPerInvoke = 7)]
    public int Chip()
    {
        var sum = 0;
        for (var i = 0; i < images.Length; i++)
        {
            Dlib.GetFaceChip(RgbPixels.Of(images[i]), shapes[i], 150, 0.25, chip);
            sum += chip[11325];
        }

        return sum;
    }

    [Benchmark(Description = "new worker context (detector clone)")]
    public void CreateWorker()
    {
        using var w = models!.CreateWorker();
    }

    [GlobalCleanup]
    public void Dispose()
    {
        worker?.Dispose();
        models?.Dispose();
        worker = null;
        models = null;
        GC.SuppressFinalize(this);
    }

    private int DetectAll(int upsample)
    {
        var n = 0;
        foreach (var image in images)
        {
            n += worker!.Detector.Detect(image, upsample).Count;
        }

        return n;
    }

    // A square 2.2 face-widths wide around the largest face, resized to 250x250: LFW's framing.
    private static RgbImage LoadLfwLike(string path, DlibFaceDetector detector)
    {
        using var image = Image.Load<Rgb24>(path);
        var full = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(full);
        var face = detector.Detect(new RgbImage(image.Width, image.Height, full), 1).MaxBy(f => f.Box.Area)?.Box
            ?? throw new InvalidOperationException($"{path} has no face at upsample 1");
        var side = Math.Min((int)(2.2 * face.Width), Math.Min(image.Width, image.Height));
        var left = Math.Clamp((int)face.CenterX - (side / 2), 0, image.Width - side);
        var top = Math.Clamp((int)face.CenterY - (side / 2), 0, image.Height - side);
        image.Mutate(x => x.Crop(new Rectangle(left, top, side, side)).Resize(250, 250));
        var pixels = new byte[250 * 250 * 3];
        image.CopyPixelDataTo(pixels);
        return new RgbImage(250, 250, pixels);
    }

    private static string FindRepoFile(params string[] parts)
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine([dir.FullName, .. parts]);
            if (Directory.Exists(candidate) || File.Exists(candidate))
            {
                return candidate;
            }
        }

        throw new FaceIndexException($"{Path.Combine(parts)} not found above {AppContext.BaseDirectory}: run the benchmarks from a FaceIndex checkout");
    }
}
