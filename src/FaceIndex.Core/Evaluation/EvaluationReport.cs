using System.Globalization;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceIndex.Evaluation;

/// <summary>A plot to link from the report: its caption and its file name relative to the report.</summary>
/// <param name="Caption">Shown as the image's alt text and heading.</param>
/// <param name="RelativePath">The PNG's path relative to report.md.</param>
public sealed record ReportPlot(string Caption, string RelativePath);

/// <summary>Everything one evaluation run produced: the record of the run and the results that apply (either may be null).</summary>
/// <param name="Run">Software, machine, settings, times.</param>
/// <param name="Verification">1:1 verification results, if evaluated.</param>
/// <param name="Identification">1:N identification results, if evaluated.</param>
public sealed record EvaluationSummary(RunRecord Run, VerificationResult? Verification, IdentificationResult? Identification);

/// <summary>
/// Writes an <see cref="EvaluationSummary"/> as Markdown (report.md) and as JSON. Rates are printed with 4 decimals, thresholds with 6
/// significant digits, both in the invariant culture; the JSON holds the full-precision values.
/// </summary>
public static class EvaluationReport
{
    /// <summary>
    /// camelCase names, enum names as camelCase strings, indented, and Infinity written as the string "Infinity" (ROC end points can be
    /// infinite). Source-generated, so it also works in trimmed or AOT-compiled apps.
    /// </summary>
    public static JsonSerializerOptions JsonOptions => Context.Options;

    // Relaxed escaping keeps "+" and non-ASCII readable; the JSON is a file, never embedded in HTML.
    private static EvaluationJsonContext Context { get; } = new(new JsonSerializerOptions(EvaluationJsonContext.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });

    /// <summary>The summary as JSON text.</summary>
    public static string ToJson(EvaluationSummary summary) => JsonSerializer.Serialize(summary, Context.EvaluationSummary);

    /// <summary>Reads a summary written by <see cref="ToJson"/>.</summary>
    public static EvaluationSummary FromJson(string json) =>
        JsonSerializer.Deserialize(json, Context.EvaluationSummary) ?? throw new FaceIndexException("the evaluation JSON is empty (null)");

    /// <summary>Writes report.md and results.json into <paramref name="directory"/>; returns the report's path.</summary>
    public static string Write(string directory, EvaluationSummary summary, IReadOnlyList<ReportPlot>? plots = null)
    {
        Directory.CreateDirectory(directory);
        var report = Path.Combine(directory, "report.md");
        File.WriteAllText(report, ToMarkdown(summary, plots));
        File.WriteAllText(Path.Combine(directory, "results.json"), ToJson(summary));
        return report;
    }

    /// <summary>The report as Markdown: run record, verification tables, identification tables, plots.</summary>
    public static string ToMarkdown(EvaluationSummary summary, IReadOnlyList<ReportPlot>? plots = null)
    {
        ArgumentNullException.ThrowIfNull(summary);
        var md = new StringBuilder();
        md.AppendLine("# FaceIndex evaluation").AppendLine();
        WriteRun(md, summary.Run);
        if (summary.Verification is { } v)
        {
            WriteVerification(md, v);
        }

        if (summary.Identification is { } id)
        {
            WriteIdentification(md, id);
        }

        if (plots is { Count: > 0 })
        {
            md.AppendLine("## Plots").AppendLine();
            foreach (var p in plots)
            {
                md.AppendLine(CultureInfo.InvariantCulture, $"### {p.Caption}").AppendLine();
                md.AppendLine(CultureInfo.InvariantCulture, $"![{p.Caption}]({p.RelativePath.Replace('\\', '/')})").AppendLine();
            }
        }

        return md.ToString();
    }

    /// <summary>A rate as printed in the report: 4 decimals, invariant culture.</summary>
    public static string Rate(double value) => value.ToString("F4", CultureInfo.InvariantCulture);

    /// <summary>A threshold as printed in the report: 6 significant digits, invariant culture ("Infinity" for an infinite one).</summary>
    public static string Threshold(double value) => value.ToString("G6", CultureInfo.InvariantCulture);

    private static void WriteRun(StringBuilder md, RunRecord run)
    {
        md.AppendLine("## Run").AppendLine();
        Table(md, ["Item", "Value"],
        [
            ["FaceIndex", run.FaceIndexVersion],
            [".NET", run.DotnetVersion],
            ["OS", run.Os],
            ["CPU", run.CpuModel],
            ["Logical cores", run.CoreCount.ToString(CultureInfo.InvariantCulture)],
            ["Started (UTC)", run.StartedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)],
            ["Finished (UTC)", run.FinishedUtc.ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture)],
            ["Duration (s)", (run.FinishedUtc - run.StartedUtc).TotalSeconds.ToString("F1", CultureInfo.InvariantCulture)],
        ]);
        Section(md, "Settings", ["Setting", "Value"], run.Settings.Select(kv => new[] { kv.Key, kv.Value }));
        Section(md, "Timings", ["Step", "Seconds"], run.TimingsSeconds.Select(kv => new[] { kv.Key, kv.Value.ToString("F3", CultureInfo.InvariantCulture) }));
        Section(md, "Models and libraries", ["Item", "Value"], run.Extra.Select(kv => new[] { kv.Key, kv.Value }));
    }

    private static void WriteVerification(StringBuilder md, VerificationResult v)
    {
        md.AppendLine("## Verification (1:1)").AppendLine();
        var accept = v.Direction == ScoreDirection.Distance ? "distance < threshold" : "similarity > threshold";
        md.AppendLine(CultureInfo.InvariantCulture,
            $"Scores are {(v.Direction == ScoreDirection.Distance ? "distances" : "similarities")}; a pair is called same when {accept}. Pairs without a face: policy {v.MissingPolicy}.").AppendLine();
        Table(md, ["Pairs", "Count"],
        [
            ["Used", Int(v.PairCount)],
            ["Matched", Int(v.MatchedCount)],
            ["Mismatched", Int(v.MismatchedCount)],
            ["Matched without a face", Int(v.MissingMatched)],
            ["Mismatched without a face", Int(v.MissingMismatched)],
            ["Excluded", Int(v.ExcludedCount)],
        ]);
        var k = v.Folds.Count;
        var rows = new List<string[]>
        {
            new[] { $"Accuracy (mean of {k} folds)", Rate(v.MeanAccuracy), string.Empty },
            new[] { "Accuracy SD (sample, n-1)", Rate(v.AccuracySd), string.Empty },
            new[] { $"Accuracy SE (SD / sqrt({k}))", Rate(v.AccuracySe), string.Empty },
            new[] { "AUC", Rate(v.Auc), "Mann-Whitney, ties count half" },
            new[] { "EER", Rate(v.Eer), $"threshold {Threshold(v.EerThreshold)}" },
        };
        rows.AddRange(v.TarAtFar.Select(t => new[]
        {
            $"TAR @ FAR {t.TargetFar.ToString("G", CultureInfo.InvariantCulture)}", Rate(t.Tar), $"threshold {Threshold(t.Threshold)}, achieved FAR {Rate(t.AchievedFar)}",
        }));
        rows.Add(["Best single threshold (all pairs)", Rate(v.BestThresholdAccuracy), $"threshold {Threshold(v.BestThreshold)}"]);
        Table(md, ["Metric", "Value", "Note"], rows);
        md.AppendLine("Accuracy: each fold is scored with the threshold that maximises accuracy on the other folds (candidates: midpoints of sorted scores; ties: the threshold accepting most pairs). TAR @ FAR: the most lenient observed threshold whose FAR does not exceed the target, no interpolation. EER: linear interpolation on the ROC.").AppendLine();
        md.AppendLine("### Folds").AppendLine();
        Table(md, ["Fold", "Pairs", "Without a face", "Threshold", "Train accuracy", "Test accuracy"],
            v.Folds.Select(f => new[] { Int(f.Fold), Int(f.PairCount), Int(f.MissingCount), Threshold(f.Threshold), Rate(f.TrainAccuracy), Rate(f.TestAccuracy) }));
    }

    private static void WriteIdentification(StringBuilder md, IdentificationResult r)
    {
        md.AppendLine("## Identification (1:N)").AppendLine();
        Table(md, ["Item", "Value"],
        [
            ["Search", r.SearchName],
            ["Distance", r.Metric.ToString()],
            ["Gallery seed", Int(r.Seed)],
            ["Gallery identities", Int(r.GallerySize)],
            ["Mated probes", Int(r.MatedProbeCount)],
            ["Non-mated probes (distractors)", Int(r.NonMatedProbeCount)],
        ]);
        var rows = new List<string[]>
        {
            new[] { "Rank-1", Rate(r.Rank1), string.Empty },
            new[] { "Rank-5", Rate(r.Rank5), string.Empty },
            new[] { "Rank-10", Rate(r.Rank10), string.Empty },
        };
        rows.AddRange(r.DirAtFar.Select(d => new[]
        {
            $"DIR @ FPIR {d.TargetFar.ToString("G", CultureInfo.InvariantCulture)}", Rate(d.Dir), $"distance threshold {Threshold(d.Threshold)}, achieved FPIR {Rate(d.AchievedFar)}",
        }));
        Table(md, ["Metric", "Value", "Note"], rows);
        md.AppendLine("Rank-k: fraction of mated probes whose mate is among the k nearest gallery images. DIR: fraction of mated probes whose nearest gallery image is their mate and within the threshold; the threshold is the most lenient rank-1 distance at which the fraction of non-mated probes accepted does not exceed the FPIR.").AppendLine();
    }

    private static string Int(int value) => value.ToString(CultureInfo.InvariantCulture);

    private static void Section(StringBuilder md, string title, string[] header, IEnumerable<string[]> rows)
    {
        var list = rows.ToList();
        if (list.Count == 0)
        {
            return;
        }

        md.AppendLine(CultureInfo.InvariantCulture, $"### {title}").AppendLine();
        Table(md, header, list);
    }

    private static void Table(StringBuilder md, string[] header, IEnumerable<string[]> rows)
    {
        md.AppendLine("| " + string.Join(" | ", header) + " |");
        md.AppendLine("|" + string.Concat(Enumerable.Repeat(" --- |", header.Length)));
        foreach (var row in rows)
        {
            md.AppendLine("| " + string.Join(" | ", row.Select(c => c.Replace("|", "\\|", StringComparison.Ordinal))) + " |");
        }

        md.AppendLine();
    }
}

/// <summary>An enum written as its camelCase name.</summary>
internal sealed class CamelCaseEnumConverter<T>() : JsonStringEnumConverter<T>(JsonNamingPolicy.CamelCase)
    where T : struct, Enum;

/// <summary>Source-generated JSON metadata for the evaluation results (see <see cref="EvaluationReport.JsonOptions"/>).</summary>
[JsonSourceGenerationOptions(
    JsonSerializerDefaults.Web,
    WriteIndented = true,
    NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
    Converters = [typeof(CamelCaseEnumConverter<ScoreDirection>), typeof(CamelCaseEnumConverter<MissingScorePolicy>), typeof(CamelCaseEnumConverter<EmbeddingMetric>)])]
[JsonSerializable(typeof(EvaluationSummary))]
internal sealed partial class EvaluationJsonContext : JsonSerializerContext;
