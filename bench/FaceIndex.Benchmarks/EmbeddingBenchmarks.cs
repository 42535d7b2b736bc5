using System.Diagnostics.CodeAnalysis;
using BenchmarkDotNet.Attributes;
using FaceIndex.Embedding;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;

namespace FaceIndex.Benchmarks;

/// <summary>
/// dlib ResNet-29 embedding throughput: 32 chips a run, as 32 calls of 1 or 1 call of 32, with 1 or 2 libtorch threads,
/// affine folded into the convs or not. Mean is per chip (OperationsPerInvoke = 32): chips/s = 1 s / Mean.
/// Run: <c>dotnet run -c Release --project bench/FaceIndex.Benchmarks -- --filter '*Embedding*'</c>.
/// </summary>
[MemoryDiagnoser]
[SuppressMessage("Design", "CA1001", Justification = "BenchmarkDotNet owns the lifetime: [GlobalCleanup] disposes the embedder.")]
public class EmbeddingBenchmarks
{
    private const int ChipsPerRun = 32;
    private DlibResNetEmbedder? _embedder;
    private List<RgbImage> _chips = [];

    [Params(1, 32)]
    public int Batch { get; set; }

    [Params(1, 2)]
    public int Threads { get; set; }

    [Params(false, true)]
    public bool Fold { get; set; }

    [GlobalSetup]
    public void Setup()
    {
        _embedder = new DlibResNetEmbedder(new DlibResNetOptions { FoldAffine = Fold, Threads = Threads });
        var golden = Path.Combine(RepoRoot(), "tests", "data", "weights-golden");
        var eight = Enumerable.Range(0, 8).Select(i => LoadChip(Path.Combine(golden, $"chip{i}.png"))).ToList();
        _chips = [.. Enumerable.Range(0, ChipsPerRun).Select(i => eight[i % eight.Count])];
        _embedder.Embed(_chips);
    }

    [GlobalCleanup]
    public void Cleanup() => _embedder?.Dispose();

    [Benchmark(OperationsPerInvoke = ChipsPerRun)]
    public int Embed()
    {
        var n = 0;
        for (var start = 0; start < ChipsPerRun; start += Batch)
        {
            n += _embedder!.Embed(_chips.GetRange(start, Batch)).Length;
        }

        return n;
    }

    private static RgbImage LoadChip(string path)
    {
        using var image = Image.Load<Rgb24>(path);
        var bytes = new byte[image.Width * image.Height * 3];
        image.CopyPixelDataTo(bytes);
        return new RgbImage(image.Width, image.Height, bytes);
    }

    private static string RepoRoot()
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
