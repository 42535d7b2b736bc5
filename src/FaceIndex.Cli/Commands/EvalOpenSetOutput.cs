using System.CommandLine;
using System.Globalization;
using FaceIndex.Evaluation;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>The open-set and identity-template part of <c>faceindex eval identify</c>: its options, table, report section and DET plot.</summary>
internal sealed class EvalOpenSetOutput
{
    private readonly Option<double> _unknown = new("--unknown-fraction") { Description = "Fraction of identities held out as unknown people for the open-set figures (default 0.25).", DefaultValueFactory = _ => 0.25 };
    private readonly Option<int> _topK = new("--topk") { Description = "k of the top-k identity template (default 3).", DefaultValueFactory = _ => 3 };
    private readonly Option<FileInfo?> _groups = new("--groups") { Description = "A CSV identity,group: rank-1, FNIR and FPIR per group (max template) with intervals." };
    private readonly Option<double?> _threshold = new("--threshold") { Description = "The open-set threshold (default: the library's calibration for the dataset or model, else 0.6)." };

    /// <summary>The CLI's JSON settings, also writing the infinite thresholds of unreachable operating points (as "Infinity").</summary>
    public static System.Text.Json.JsonSerializerOptions JsonOptions { get; } = new(CliJson.Options) { NumberHandling = System.Text.Json.Serialization.JsonNumberHandling.AllowNamedFloatingPointLiterals };

    public IEnumerable<Option> All => [_unknown, _topK, _threshold, _groups];

    /// <summary>The per-group figures when --groups was given (max template), else null.</summary>
    public IReadOnlyList<GroupIdentificationFigures>? Groups(ParseResult parse, OpenSetOutcome open)
    {
        if (parse.GetValue(_groups) is not { } file)
        {
            return null;
        }

        var map = GroupMap.Read(file.FullName);
        return GroupIdentification.Evaluate(open.Results[0], label => map.ForIdentity(open.Identities[label]), open.Threshold.Value);
    }

    public static void RenderGroups(IReadOnlyList<GroupIdentificationFigures> groups)
    {
        AnsiConsole.MarkupLine("per group (max template, at the threshold; 95% intervals):");
        var table = new Table().AddColumns("group", "mated probes", "non-mated", "rank-1", "FNIR", "FPIR");
        foreach (var g in groups)
        {
            table.AddRow(Markup.Escape(g.Group), g.MatedProbes.ToString(CultureInfo.InvariantCulture), g.NonMatedProbes.ToString(CultureInfo.InvariantCulture), Markup.Escape(g.Rank1.ToString()), Markup.Escape(g.Fnir.ToString()), Markup.Escape(g.Fpir.ToString()));
        }

        AnsiConsole.Write(table);
    }

    public static EvalOpenSetOutput Options() => new();

    public OpenSetSettings Settings(ParseResult parse, int seed)
    {
        var fraction = parse.GetValue(_unknown);
        if (!(fraction > 0 && fraction < 1))
        {
            throw new FaceIndexException(FormattableString.Invariant($"--unknown-fraction {fraction} must be between 0 and 1 (exclusive)"));
        }

        return new OpenSetSettings(seed, fraction, parse.GetValue(_topK), parse.GetValue(_threshold));
    }

    public static object ForJson(OpenSetOutcome open) => new
    {
        open.Settings,
        open.Threshold,
        results = open.Results.Select(r => new { r.Template, r.TopK, r.GalleryIdentities, r.GalleryFaces, r.MatedProbes, r.NonMatedProbes, r.Rank1, r.Rank5, r.AtThreshold, r.FnirAtFpir, detPoints = r.Det.Count }),
    };

    public static void Render(OpenSetOutcome open)
    {
        var r0 = open.Results[0];
        AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"identity templates, open set: {r0.GalleryIdentities} enrolled identities ({r0.GalleryFaces} faces), {r0.MatedProbes} mated probes (leave one out), {r0.NonMatedProbes} non-mated (held-out identities); threshold {open.Threshold.Description}")));
        var table = new Table().AddColumns("template", "rank-1", "rank-5", "FPIR at threshold", "FNIR at threshold", "FNIR@FPIR 1e-2", "FNIR@FPIR 1e-3");
        foreach (var r in open.Results)
        {
            string At(double target) => r.FnirAtFpir.FirstOrDefault(f => Math.Abs(f.TargetFpir - target) < target / 100) is { } f ? (f.Note is null ? EvaluationReport.Rate(f.Fnir) : "too few non-mated") : "n/a";
            table.AddRow(
                r.Template == IdentityTemplate.TopK ? $"top-{r.TopK} mean" : r.Template.ToString().ToLowerInvariant(),
                EvaluationReport.Rate(r.Rank1), EvaluationReport.Rate(r.Rank5),
                double.IsNaN(r.AtThreshold.Fpir) ? "n/a" : EvaluationReport.Rate(r.AtThreshold.Fpir), EvaluationReport.Rate(r.AtThreshold.Fnir), At(1e-2), At(1e-3));
        }

        AnsiConsole.Write(table);
    }

    public static void AppendToReport(string dir, string reportPath, OpenSetOutcome open)
    {
        var det = OpenSetRun.SaveDet(Path.Combine(dir, "det.png"), open);
        File.AppendAllText(reportPath, OpenSetRun.ToMarkdown(open) + string.Create(CultureInfo.InvariantCulture, $"\n![DET]({Path.GetFileName(det)})\n"));
    }
}
