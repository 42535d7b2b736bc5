using BenchmarkDotNet.Attributes;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Benchmarks;

/// <summary>
/// The decode stage on JPEGs of the two sizes that matter: a 250x250 crop-sized photo (LFW) and a ~1 MP photo
/// (obama.jpg, 910x1137), each from memory; plain ImageSharp Image.Load&lt;Rgb24&gt; alongside shows what the checks cost.
/// Run: dotnet run -c Release --project bench/FaceIndex.Benchmarks -- --filter '*DecodeBenchmarks*'
/// </summary>
[MemoryDiagnoser]
[MedianColumn]
public class DecodeBenchmarks
{
    private readonly ImageDecoder decoder = new();
    private byte[] small = [];
    private byte[] large = [];

    [GlobalSetup]
    public void Setup()
    {
        large = File.ReadAllBytes(Path.Combine(FindRepoRoot(), "tests", "data", "faces", "face_recognition", "obama", "obama.jpg"));
        using var image = Image.Load<Rgb24>(large);
        image.Mutate(x => x.Resize(250, 250));
        using var buffer = new MemoryStream();
        image.SaveAsJpeg(buffer, new JpegEncoder { Quality = 90 });
        small = buffer.ToArray();
    }

    [Benchmark]
    public RgbImage DecodeJpeg250x250() => decoder.Decode(small, "small.jpg").Image;

    [Benchmark]
    public RgbImage DecodeJpeg910x1137() => decoder.Decode(large, "obama.jpg").Image;

    [Benchmark]
    public int ImageSharpOnlyJpeg250x250()
    {
        using var image = Image.Load<Rgb24>(small);
        return image.Width;
    }

    [Benchmark]
    public int ImageSharpOnlyJpeg910x1137()
    {
        using var image = Image.Load<Rgb24>(large);
        return image.Width;
    }

    /// <summary>The header-only pass the decoder makes before decoding, to see what the pixel-limit check costs.</summary>
    [Benchmark]
    public int ImageSharpIdentifyJpeg910x1137() => Image.Identify(large).Width;

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceIndex.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"FaceIndex.sln not found above {AppContext.BaseDirectory}");
    }
}
