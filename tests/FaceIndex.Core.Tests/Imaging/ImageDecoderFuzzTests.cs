using System.Diagnostics;
using System.Globalization;
using FaceIndex.Imaging;
using FaceIndex.Tests;
using Xunit.Abstractions;

namespace FaceIndex.Core.Tests.Imaging;

/// <summary>Mutated images never escape as anything but ImageDecodeException, never hang, never allocate without bound.</summary>
public sealed class ImageDecoderFuzzTests(ITestOutputHelper output)
{
    private static readonly string[] SeedFiles =
    [
        "jpeg_baseline.jpg", "jpeg_progressive.jpg", "jpeg_cmyk.jpg", "png_rgb8.png", "png_palette.png", "png_rgba.png",
        "png_rgb16.png", "gif_two_frames.gif", "tiff_lzw.tif", "bmp_24.bmp", "webp_lossy.webp", "webp_lossless.webp",
    ];

    // A low pixel limit (so the allocation limit derived from it is 32 MiB) makes the memory bound testable.
    private static ImageDecoderOptions FuzzOptions => new() { MaxPixels = 4_000_000, Timeout = TimeSpan.FromSeconds(5) };

    [Fact]
    public void Six_hundred_mutated_images_decode_or_throw_ImageDecodeException()
    {
        var fuzzer = new DecodeFuzzer(new ImageDecoder(FuzzOptions), TimeSpan.FromSeconds(20));
        var seeds = DecodeFuzzer.LoadSeeds(SeedFiles.Select(TestImages.Format));

        var clock = Stopwatch.StartNew();
        var results = fuzzer.RunAll(seeds, casesPerSeed: 50, seed: 20261129);
        output.WriteLine(DecodeFuzzer.Summary(results, clock));

        Assert.Equal(600, results.Count);
        AssertAllGood(results);
        Assert.Contains(results, r => r.Outcome == FuzzOutcome.Decoded);
        Assert.Contains(results, r => r.Outcome == FuzzOutcome.Refused);
    }

    /// <summary>The long run, by hand: FACEINDEX_FUZZ_ITERATIONS=20000 [FACEINDEX_FUZZ_SEED=n] dotnet test --filter Long_fuzz.</summary>
    [SkippableFact]
    public void Long_fuzz_run_from_the_environment()
    {
        var iterations = Environment.GetEnvironmentVariable("FACEINDEX_FUZZ_ITERATIONS");
        Skip.If(string.IsNullOrEmpty(iterations), "set FACEINDEX_FUZZ_ITERATIONS to run the long fuzz (by hand)");
        var seed = int.Parse(Environment.GetEnvironmentVariable("FACEINDEX_FUZZ_SEED") ?? "1", CultureInfo.InvariantCulture);
        var files = SeedFiles.Select(TestImages.Format)
            .Concat(Directory.GetFiles(TestPaths.DataFile("formats", "orient")))
            .Append(TestPaths.DataFile("faces", "face_recognition", "obama", "obama_small.jpg"))
            .ToList();
        var seeds = DecodeFuzzer.LoadSeeds(files);
        var perSeed = Math.Max(1, int.Parse(iterations, CultureInfo.InvariantCulture) / seeds.Count);
        var fuzzer = new DecodeFuzzer(new ImageDecoder(FuzzOptions), TimeSpan.FromSeconds(60));

        // Progress goes to a file as it runs (test output only appears at the end); failing inputs are kept for replay.
        var outDir = Environment.GetEnvironmentVariable("FACEINDEX_FUZZ_OUT") ?? Path.Combine(Path.GetTempPath(), "faceindex-fuzz");
        Directory.CreateDirectory(outDir);

        // FACEINDEX_FUZZ_CASE=n replays case n alone (same iterations and seed) and saves its input.
        if (Environment.GetEnvironmentVariable("FACEINDEX_FUZZ_CASE") is { Length: > 0 } only)
        {
            var (index, name, data, mutation) = DecodeFuzzer.Generate(seeds, perSeed, seed)
                .First(c => c.Index == int.Parse(only, CultureInfo.InvariantCulture));
            File.WriteAllBytes(Path.Combine(outDir, $"case{index}-{name}"), data);
            var one = fuzzer.Run(index, name, data, mutation);
            output.WriteLine($"case {index} ({name}, {mutation}): {one.Outcome}: {one.Detail}; allocated {one.AllocatedBytes >> 20} MiB");
            AssertAllGood([one]);
            return;
        }

        var clock = Stopwatch.StartNew();
        var results = fuzzer.RunAll(seeds, perSeed, seed, sofar =>
            File.WriteAllText(Path.Combine(outDir, "progress.txt"), DecodeFuzzer.Summary(sofar, clock)));
        output.WriteLine(DecodeFuzzer.Summary(results, clock));
        File.WriteAllText(Path.Combine(outDir, "progress.txt"), DecodeFuzzer.Summary(results, clock));
        foreach (var bad in results.Where(r => !r.IsGood))
        {
            File.WriteAllBytes(Path.Combine(outDir, $"case{bad.Index}-{bad.Outcome}-{bad.Seed}"), bad.Input!);
        }

        AssertAllGood(results);
    }

    private static void AssertAllGood(List<FuzzCase> results)
    {
        // A finding: any other exception type, a hang, an invalid image, or a case that allocated more managed memory
        // than several times the largest image the limits allow.
        var failures = results.Where(r => !r.IsGood)
            .Select(r => $"case {r.Index} ({r.Seed}, {r.Mutation}): {r.Outcome}: {r.Detail}; allocated {r.AllocatedBytes >> 20} MiB")
            .ToList();
        Assert.True(failures.Count == 0, $"{failures.Count} findings:{Environment.NewLine}{string.Join(Environment.NewLine, failures.Take(10))}");
    }
}
