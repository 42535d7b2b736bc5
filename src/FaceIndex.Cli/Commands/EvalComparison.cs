using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>
/// <c>eval verify --model a,b --align x,y --channels rgb,bgr --fusion</c>: every combination on the same pairs and folds,
/// one table, one ROC plot. The options are defined here and added to <c>eval verify</c>.
/// </summary>
internal static class EvalComparison
{
    public static readonly Option<string?> Models = new("--model") { Description = "Model(s) to evaluate, comma-separated (see 'faceindex models'); default dlib." };

    public static readonly Option<string?> Aligns = new("--align") { Description = "Alignment(s) to compare, comma-separated: dlib, arcface5, affine3 (default: each model's own)." };

    public static readonly Option<string?> Channels = new("--channels") { Description = "Channel order(s) fed to ONNX models, comma-separated: rgb, bgr (default: the manifest's)." };

    public static readonly Option<bool> Fusion = new("--fusion") { Description = "Also score-level fusion of the configurations (z-scored with training-fold statistics only)." };

    public static readonly Option<string> Library = CliOptions.Library();

    /// <summary>Whether the command line asks for the comparison path.</summary>
    public static bool Wanted(ParseResult parse) =>
        parse.GetValue(Models) is not null || parse.GetValue(Aligns) is not null || parse.GetValue(Channels) is not null || parse.GetValue(Fusion);

    /// <summary>Every combination the options name, in the order given.</summary>
    public static IReadOnlyList<ComparisonConfiguration> Configurations(ParseResult parse, bool flip, EmbeddingMetric? metric)
    {
        var registry = ModelRegistry.Open(Path.GetFullPath(parse.GetValue(Library)!));
        var models = Split(parse.GetValue(Models)).DefaultIfEmpty(ModelRegistry.DlibName).Select(registry.Resolve).ToList();
        var aligns = Split(parse.GetValue(Aligns)).Select(FaceAligners.Parse).ToList();
        var channels = Split(parse.GetValue(Channels)).Select(c => c.ToUpperInvariant() switch
        {
            "RGB" => ChannelOrder.Rgb,
            "BGR" => ChannelOrder.Bgr,
            _ => throw new FaceIndexException($"--channels {c} is not rgb or bgr"),
        }).ToList();
        var list = new List<ComparisonConfiguration>();
        foreach (var model in models)
        {
            var variants = model.Manifest is null || channels.Count == 0 ? [model] : channels.Select(c => ComparisonConfiguration.WithChannelOrder(model, c)).ToList();
            foreach (var variant in variants)
            {
                foreach (var align in aligns.Count == 0 ? [model.Alignment] : aligns)
                {
                    list.Add(new ComparisonConfiguration(variant, align, flip, metric));
                }
            }
        }

        return list;
    }

    public static int Run(
        ParseResult parse,
        IReadOnlyList<VerificationPair> pairs,
        VerificationSettings settings,
        EmbeddingMetric? metric,
        string? cacheDir,
        IReadOnlyDictionary<string, string> extra,
        DirectoryInfo? report,
        bool asJson,
        CancellationToken token)
    {
        var configurations = Configurations(parse, settings.FlipTta, metric);
        var fusion = parse.GetValue(Fusion);
        ComparisonOutcome outcome;
        if (asJson || Console.IsOutputRedirected)
        {
            outcome = VerificationComparison.Evaluate(configurations, pairs, settings, cacheDir, fusion, extra, null, token);
        }
        else
        {
            var images = pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Distinct(StringComparer.Ordinal).Count();
            ComparisonOutcome? done = null;
            AnsiConsole.Progress()
                .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
                .Start(context =>
                {
                    var tasks = configurations.Select(c => context.AddTask(Markup.Escape(c.Label), maxValue: images)).ToArray();
                    done = VerificationComparison.Evaluate(configurations, pairs, settings, cacheDir, fusion, extra, (c, n) => tasks[c].Value = n, token);
                    foreach (var t in tasks)
                    {
                        t.Value = images;
                    }
                });
            outcome = done!;
        }

        var reportPath = report is null ? null : ComparisonReport.Write(report.FullName, outcome);
        var lines = ComparisonReport.Lines(outcome);
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(lines, CliJson.Options));
            return Program.Success;
        }

        var table = new Table().AddColumns("configuration", "score", "accuracy (10-fold)", "SD", "AUC", "EER", "d'", "TAR@FAR 1e-3", "pairs without a face");
        foreach (var l in lines)
        {
            table.AddRow(
                Markup.Escape(l.Label), l.Metric, EvaluationReport.Rate(l.Accuracy), EvaluationReport.Rate(l.AccuracySd), EvaluationReport.Rate(l.Auc),
                EvaluationReport.Rate(l.Eer), l.DPrime.ToString("F3", CultureInfo.InvariantCulture), EvaluationReport.Rate(l.TarAtFar1e3), l.MissingPairs.ToString(CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "{0:N0} pairs, the same folds for every configuration", outcome.Rows[0].Outcome.Result.PairCount);
        foreach (var model in configurations.Select(c => c.Model).Where(m => m.Manifest is not null).DistinctBy(m => m.Name))
        {
            AnsiConsole.MarkupLine($"[grey]{Markup.Escape(model.Name)}: licence {Markup.Escape(model.Manifest!.Licence)}[/]");
        }

        if (reportPath is not null)
        {
            AnsiConsole.MarkupLine($"report: {Markup.Escape(reportPath)}");
        }

        return Program.Success;
    }

    private static List<string> Split(string? value) =>
        value is null ? [] : [.. value.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)];
}
