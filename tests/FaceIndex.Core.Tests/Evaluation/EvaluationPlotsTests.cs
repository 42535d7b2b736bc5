using System.Buffers.Binary;
using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

/// <summary>The plots render headless (SkiaSharp's native library loads on Linux) into valid PNGs of the asked size.</summary>
public class EvaluationPlotsTests
{
    private static readonly byte[] PngSignature = [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    private static VerificationResult Result(out List<ScoredPair> pairs)
    {
        var rng = new Random(3);
        pairs = [.. Enumerable.Range(0, 400).Select(i => new ScoredPair(
            i % 2 == 0 ? 0.4 + (0.25 * rng.NextDouble()) : 0.55 + (0.35 * rng.NextDouble()), i % 2 == 0, i % 10))];
        pairs.Add(new ScoredPair(null, true, 0));
        return VerificationMetrics.Evaluate(pairs, ScoreDirection.Distance, MissingScorePolicy.Error);
    }

    [Fact]
    public void Roc_histogram_cmc_and_line_plots_are_pngs_of_the_requested_size()
    {
        using var dir = new TempDir();
        var r = Result(out var pairs);
        var dlibLike = r with { Roc = [.. r.Roc.Select(p => p with { Tar = Math.Min(1, p.Tar * 1.05) })] };

        AssertPng(EvaluationPlots.SaveRoc(Path.Combine(dir.Path, "roc.png"), [("exact", r.Roc), ("shifted", dlibLike.Roc)]), 800, 600);
        AssertPng(EvaluationPlots.SaveScoreHistogram(Path.Combine(dir.Path, "sub", "hist.png"), pairs, r.BestThreshold, r.Direction, width: 640, height: 480), 640, 480);
        AssertPng(EvaluationPlots.SaveCmc(Path.Combine(dir.Path, "cmc.png"), [("exact", [0.6, 0.8, 1.0]), ("annoy", [0.5, 0.7, 0.9])], 500, 400), 500, 400);
        AssertPng(EvaluationPlots.SaveLines(Path.Combine(dir.Path, "speed.png"), "Search speed", "gallery size", "queries/s",
            [new LineSeries("exact", [100, 1000, 10000], [5000, 600, 55]), new LineSeries("annoy", [100, 1000, 10000], [4000, 3000, 2500])], logX: true), 800, 600);
        AssertPng(EvaluationPlots.SaveLines(Path.Combine(dir.Path, "linear.png"), "t", "x", "y", [new LineSeries("a", [1, 2], [3, 4])]), 800, 600);
    }

    [Fact]
    public void A_font_is_available_for_axis_labels()
    {
        // SkiaSharp's NoDependencies native library reads fonts from /usr/share/fonts; with none, plots render without any text.
        Assert.True(SkiaSharp.SKFontManager.Default.FontFamilyCount > 0,
            "no font found for plot labels: install one (Debian: apt-get install fonts-dejavu-core)");
    }

    [Fact]
    public void Log_axis_with_non_positive_x_is_a_clear_error()
    {
        using var dir = new TempDir();

        var ex = Assert.Throws<FaceIndexException>(() =>
            EvaluationPlots.SaveLines(Path.Combine(dir.Path, "x.png"), "speed", "x", "y", [new LineSeries("a", [0, 1], [1, 2])], logX: true));

        Assert.Contains("positive x", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertPng(string path, int width, int height)
    {
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 2000, $"{path} is only {bytes.Length} bytes");
        Assert.Equal(PngSignature, bytes[..8]);
        Assert.Equal("IHDR", System.Text.Encoding.ASCII.GetString(bytes, 12, 4));
        Assert.Equal(width, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(16)));
        Assert.Equal(height, BinaryPrimitives.ReadInt32BigEndian(bytes.AsSpan(20)));
    }
}
