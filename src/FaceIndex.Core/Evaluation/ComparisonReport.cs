using System.Globalization;
using System.Text;
using System.Text.Json;

namespace FaceIndex.Evaluation;

/// <summary>Writes a comparison: one table, one ROC plot with a curve per configuration, and each configuration's run record.</summary>
public static class ComparisonReport
{
    private static readonly JsonSerializerOptions Json = new()
    {
        WriteIndented = true,
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals,
    };

    /// <summary>The table's lines, configurations first, then the fusion.</summary>
    public static IReadOnlyList<ComparisonLine> Lines(ComparisonOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var lines = outcome.Rows.Select(r => Line(
            r.Label, r.Outcome.Run.Settings["modelId"], r.Outcome.Run.Settings["alignment"], r.Outcome.Run.Settings["metric"], r.Outcome.Result, r.DPrime)).ToList();
        if (outcome.Fusion is { } f)
        {
            lines.Add(Line(f.Label, "z-score sum", "-", "similarity", f.Result, f.DPrime));
        }

        return lines;
    }

    /// <summary>Writes report.md, results.json and roc.png into <paramref name="directory"/>; returns the report's path.</summary>
    public static string Write(string directory, ComparisonOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        Directory.CreateDirectory(directory);
        List<(string, IReadOnlyList<RocPoint>)> curves = [.. outcome.Rows.Select(r => (r.Label, r.Outcome.Result.Roc))];
        if (outcome.Fusion is { } f)
        {
            curves.Add(("fusion", f.Result.Roc));
        }

        var roc = EvaluationPlots.SaveRoc(Path.Combine(directory, "roc.png"), curves);
        var lines = Lines(outcome);
        var md = new StringBuilder("# FaceIndex verification: configurations side by side\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Same pairs and folds for every configuration ({outcome.Rows[0].Outcome.Result.PairCount:N0} pairs). d' = (mean matched - mean mismatched) / sqrt of the mean of their variances, on similarities. Fusion: each configuration's scores z-scored with the training folds' mean and SD, summed.\n\n");
        md.Append("| configuration | model id | alignment | score | accuracy (10-fold) | SD | AUC | EER | d' | TAR@FAR 1e-3 | pairs without a face |\n|---|---|---|---|---|---|---|---|---|---|---|\n");
        foreach (var l in lines)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {l.Label} | {l.ModelId} | {l.Alignment} | {l.Metric} | {EvaluationReport.Rate(l.Accuracy)} | {EvaluationReport.Rate(l.AccuracySd)} | {EvaluationReport.Rate(l.Auc)} | {EvaluationReport.Rate(l.Eer)} | {l.DPrime:F3} | {EvaluationReport.Rate(l.TarAtFar1e3)} | {l.MissingPairs} |\n");
        }

        md.Append("\n![ROC, one curve per configuration](").Append(Path.GetFileName(roc)).Append(")\n\n");
        foreach (var r in outcome.Rows)
        {
            md.Append("## ").Append(r.Label).Append("\n\n");
            var one = EvaluationReport.ToMarkdown(new EvaluationSummary(r.Outcome.Run, r.Outcome.Result, null));
            md.Append(one.Replace("# FaceIndex evaluation\n", string.Empty, StringComparison.Ordinal).Replace("\n## ", "\n### ", StringComparison.Ordinal)).Append('\n');
        }

        var path = Path.Combine(directory, "report.md");
        File.WriteAllText(path, md.ToString());
        File.WriteAllText(
            Path.Combine(directory, "results.json"),
            JsonSerializer.Serialize(new ComparisonJson(lines, [.. outcome.Rows.Select(r => r.Outcome.Run)]), Json));
        return path;
    }

    private static ComparisonLine Line(string label, string modelId, string alignment, string metric, VerificationResult r, double dPrime) => new(
        label,
        modelId,
        alignment,
        metric,
        r.MeanAccuracy,
        r.AccuracySd,
        r.Auc,
        r.Eer,
        dPrime,
        r.TarAtFar.FirstOrDefault(t => Math.Abs(t.TargetFar - 1e-3) < 1e-5)?.Tar ?? double.NaN,
        r.MissingMatched + r.MissingMismatched);
}
