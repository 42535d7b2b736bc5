using System.Text.Json;
using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

/// <summary>The report prints the hand-checked numbers of <see cref="VerificationMetricsTests"/> and <see cref="IdentificationMetricsTests"/>, and the JSON round-trips.</summary>
public class EvaluationReportTests
{
    private static EvaluationSummary Summary()
    {
        var pairs = PairsFile.ReadLfw(TestPaths.DataFile("eval", "pairs_small.txt"));
        double[] Scores(int fold) => fold switch { 8 => [0.9, 0.3, 0.1, 0.2], 9 => [0.9, 0.8, 0.1, 0.85], _ => [0.9, 0.8, 0.1, 0.2] };
        var scored = pairs.Select((p, i) => new ScoredPair(Scores(p.Fold)[i % 4], p.Same, p.Fold)).ToList();
        var verification = VerificationMetrics.Evaluate(scored, ScoreDirection.Similarity, MissingScorePolicy.Error);
        var split = new IdentificationSplit(0,
            [new(1, [0f, 0f]), new(2, [1f, 0f]), new(3, [0f, 1f])],
            [new(1, [0.1f, 0f]), new(1, [0.6f, 0f]), new(2, [1f, 0.2f]), new(3, [0.8f, 0.9f]), new(3, [1.2f, -0.1f])],
            [new(4, [0.5f, 0.5f]), new(5, [3f, 3f]), new(6, [0f, 0.75f])]);
        var identification = IdentificationMetrics.Evaluate(split);
        var start = new DateTimeOffset(2026, 1, 2, 3, 4, 5, TimeSpan.Zero);
        var run = RunRecord.Capture(
            new Dictionary<string, string> { ["pairs"] = "pairs_small.txt", ["missing"] = "error" },
            start, start.AddSeconds(12.5),
            new Dictionary<string, double> { ["embed"] = 10.25 },
            new Dictionary<string, string> { ["model sha256"] = "abc123" });
        return new EvaluationSummary(run, verification, identification);
    }

    [Fact]
    public void Markdown_prints_every_hand_checked_number()
    {
        var md = EvaluationReport.ToMarkdown(Summary(), [new ReportPlot("ROC", "roc.png")]);

        // Verification: see VerificationMetricsTests for the hand computation of each value.
        Assert.Contains("| Accuracy (mean of 10 folds) | 0.9500 |", md, StringComparison.Ordinal);
        Assert.Contains("| Accuracy SD (sample, n-1) | 0.1054 |", md, StringComparison.Ordinal);
        Assert.Contains("| Accuracy SE (SD / sqrt(10)) | 0.0333 |", md, StringComparison.Ordinal);
        Assert.Contains("| AUC | 0.9750 |", md, StringComparison.Ordinal);
        Assert.Contains("| EER | 0.0500 | threshold 0.8 |", md, StringComparison.Ordinal);
        Assert.Contains("| TAR @ FAR 0.01 | 0.5000 | threshold 0.9, achieved FAR 0.0000 |", md, StringComparison.Ordinal);
        Assert.Contains("| TAR @ FAR 0.001 | 0.5000 | threshold 0.9, achieved FAR 0.0000 |", md, StringComparison.Ordinal);
        Assert.Contains("| Best single threshold (all pairs) | 0.9750 | threshold 0.25 |", md, StringComparison.Ordinal);
        Assert.Contains("| 0 | 4 | 0 | 0.25 | 0.9722 | 1.0000 |", md, StringComparison.Ordinal);
        Assert.Contains("| 8 | 4 | 0 | 0.5 | 0.9722 | 0.7500 |", md, StringComparison.Ordinal);
        Assert.Contains("| 9 | 4 | 0 | 0.25 | 1.0000 | 0.7500 |", md, StringComparison.Ordinal);
        Assert.Contains("| Used | 40 |", md, StringComparison.Ordinal);

        // Identification: see IdentificationMetricsTests.
        Assert.Contains("| Rank-1 | 0.6000 |", md, StringComparison.Ordinal);
        Assert.Contains("| Rank-5 | 1.0000 |", md, StringComparison.Ordinal);
        Assert.Contains("| DIR @ FPIR 0.01 | 0.4000 | distance threshold 0.2, achieved FPIR 0.0000 |", md, StringComparison.Ordinal);
        Assert.Contains("| Non-mated probes (distractors) | 3 |", md, StringComparison.Ordinal);

        // Run record and plots.
        Assert.Contains("| Duration (s) | 12.5 |", md, StringComparison.Ordinal);
        Assert.Contains("| embed | 10.250 |", md, StringComparison.Ordinal);
        Assert.Contains("| model sha256 | abc123 |", md, StringComparison.Ordinal);
        Assert.Contains("| pairs | pairs_small.txt |", md, StringComparison.Ordinal);
        Assert.Contains("![ROC](roc.png)", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_record_captures_this_machine()
    {
        var run = Summary().Run;

        Assert.StartsWith("0.1.0", run.FaceIndexVersion, StringComparison.Ordinal);
        Assert.StartsWith(".NET 10", run.DotnetVersion, StringComparison.Ordinal);
        Assert.Equal(Environment.ProcessorCount, run.CoreCount);
        Assert.False(string.IsNullOrWhiteSpace(run.CpuModel));
        if (File.Exists("/proc/cpuinfo"))
        {
            Assert.Contains(run.CpuModel, File.ReadAllText("/proc/cpuinfo"), StringComparison.Ordinal);
        }
    }

    [Fact]
    public void Json_is_camel_case_and_round_trips_with_infinite_thresholds()
    {
        var summary = Summary();

        var json = EvaluationReport.ToJson(summary);
        var back = EvaluationReport.FromJson(json);

        using var doc = JsonDocument.Parse(json);
        var v = doc.RootElement.GetProperty("verification");
        Assert.Equal(0.95, v.GetProperty("meanAccuracy").GetDouble(), 1e-12);
        Assert.Equal("similarity", v.GetProperty("direction").GetString());
        Assert.Equal("Infinity", v.GetProperty("roc")[0].GetProperty("threshold").GetString());
        Assert.Equal("abc123", doc.RootElement.GetProperty("run").GetProperty("extra").GetProperty("model sha256").GetString());
        Assert.Equal(summary.Verification!.Roc, back.Verification!.Roc);
        Assert.Equal(summary.Verification.Folds, back.Verification.Folds);
        Assert.Equal(summary.Identification!.Cmc, back.Identification!.Cmc);
        Assert.Equal(summary.Identification.DirAtFar, back.Identification.DirAtFar);
        Assert.Equal(summary.Run.StartedUtc, back.Run.StartedUtc);
    }

    [Fact]
    public void Write_creates_report_and_json()
    {
        using var dir = new TempDir();

        var report = EvaluationReport.Write(Path.Combine(dir.Path, "out"), Summary());

        Assert.StartsWith("# FaceIndex evaluation", File.ReadAllText(report), StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(dir.Path, "out", "results.json")));
    }
}
