using System.Globalization;
using System.Text;
using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Search;

namespace FaceIndex.Evaluation;

/// <summary>Open-set identification on an indexed dataset, comparing the max, top-k and mean identity templates.</summary>
public static class OpenSetRun
{
    /// <summary>The three templates, in the order reports list them.</summary>
    public static IReadOnlyList<IdentityTemplate> AllTemplates { get; } = [IdentityTemplate.Max, IdentityTemplate.TopK, IdentityTemplate.Mean];

    /// <summary>Evaluates the dataset's labelled subject faces with every template, at the threshold a query of it would use.</summary>
    public static OpenSetOutcome Evaluate(ICatalogReader catalog, string dataset, string modelId, OpenSetSettings settings)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(settings);
        var faces = catalog.LabelledSubjects(dataset, modelId);
        var labels = faces.Select(f => f.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var samples = faces.Select(f => new IdentificationSample(labels[f.Identity], f.Embedding)).ToList();
        var threshold = ThresholdResolver.Resolve(catalog, modelId, dataset, settings.Threshold);
        var results = OpenSetIdentification.Evaluate(samples, AllTemplates, threshold.Value, settings.Seed, settings.UnknownFraction, settings.TopK);
        return new OpenSetOutcome(settings, threshold, results, [.. labels.OrderBy(kv => kv.Value).Select(kv => kv.Key)]);
    }

    /// <summary>The report section: protocol, the template table, the threshold's point.</summary>
    public static string ToMarkdown(OpenSetOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var first = outcome.Results[0];
        var md = new StringBuilder("\n## Identity templates and the open set\n\n");
        md.Append(CultureInfo.InvariantCulture, $"{first.GalleryIdentities} enrolled identities ({first.GalleryFaces} faces); {first.MatedProbes} mated probes (each enrolled face of an identity with two or more, searched without itself); {first.NonMatedProbes} non-mated probes (the faces of {outcome.Settings.UnknownFraction:P0} of identities held out, seed {outcome.Settings.Seed}). ");
        md.Append(CultureInfo.InvariantCulture, $"Threshold {outcome.Threshold.Description}: a search names its rank-1 identity only when that identity scores below it, else it answers \"no indexed identity\".\n\n");
        md.Append("| template | rank-1 | rank-5 | FPIR at threshold | FNIR at threshold | FNIR @ FPIR 1e-2 | FNIR @ FPIR 1e-3 |\n|---|---|---|---|---|---|---|\n");
        foreach (var r in outcome.Results)
        {
            string At(double target) => r.FnirAtFpir.FirstOrDefault(f => Math.Abs(f.TargetFpir - target) < target / 100) is { } f
                ? (f.Note is null ? EvaluationReport.Rate(f.Fnir) : "too few non-mated") : "n/a";
            var name = r.Template == IdentityTemplate.TopK ? $"top-{r.TopK} mean" : r.Template.ToString().ToLowerInvariant();
            md.Append(CultureInfo.InvariantCulture, $"| {name} | {EvaluationReport.Rate(r.Rank1)} | {EvaluationReport.Rate(r.Rank5)} | {EvaluationReport.Rate(r.AtThreshold.Fpir)} | {EvaluationReport.Rate(r.AtThreshold.Fnir)} | {At(1e-2)} | {At(1e-3)} |\n");
        }

        md.Append("\nFPIR: non-mated probes whose rank-1 identity scores below the threshold. FNIR: mated probes whose rank-1 is not their own identity or not below it. max = best face, top-k mean = mean distance of the identity's k nearest faces, mean = distance to the identity's mean embedding.\n");
        return md.ToString();
    }

    /// <summary>The DET curves (FNIR against FPIR on a log axis), each template's threshold point marked.</summary>
    public static string SaveDet(string path, OpenSetOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var nonZero = outcome.Results.SelectMany(r => r.Det).Select(p => p.Fpir).Where(f => f > 0).DefaultIfEmpty(1e-2).Min();
        var floor = Math.Pow(10, Math.Floor(Math.Log10(nonZero)) - 1); // FPIR 0 drawn a decade left of the smallest observed
        var series = new List<LineSeries>();
        foreach (var r in outcome.Results)
        {
            var name = r.Template == IdentityTemplate.TopK ? $"top-{r.TopK} mean" : r.Template.ToString().ToLowerInvariant();
            series.Add(new LineSeries(name, [.. r.Det.Select(p => Math.Max(p.Fpir, floor))], [.. r.Det.Select(p => p.Fnir)]));
            series.Add(new LineSeries($"{name} at threshold {r.AtThreshold.Threshold:0.###}", [Math.Max(r.AtThreshold.Fpir, floor)], [r.AtThreshold.Fnir]));
        }

        return EvaluationPlots.SaveLines(path, "DET (open-set identification)", $"FPIR (log; 0 drawn at {floor:G})", "FNIR", series, logX: true);
    }
}
