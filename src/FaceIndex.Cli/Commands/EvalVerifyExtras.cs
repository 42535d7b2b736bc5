using System.CommandLine;
using System.Globalization;
using FaceIndex.Calibration;
using FaceIndex.Evaluation;
using FaceIndex.Imaging;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>What <c>eval verify</c> adds beside the LFW protocol: per-pair scores, the worst errors, per-group figures, the threshold in force.</summary>
internal sealed class EvalVerifyExtras
{
    private readonly Option<FileInfo?> _scores = new("--scores") { Description = "Write every pair (fold, label, score, decision, where each face came from) to this CSV." };
    private readonly Option<FileInfo?> _groups = new("--groups") { Description = "A CSV key,group (key: image path relative to --root, or identity folder): per-group accuracy, TAR and FAR with intervals, and plots." };
    private readonly Option<string> _library = CliOptions.Library();
    private readonly Option<double[]> _far = new("--far") { Description = "FAR targets of the per-group figures (default 1e-2 and 1e-3); repeat for several.", AllowMultipleArgumentsPerToken = true };
    private readonly Option<int> _seed = new("--seed") { Description = "Seed of the per-group bootstrap intervals (default 1).", DefaultValueFactory = _ => 1 };

    private EvalVerifyExtras()
    {
        _library.Description = "The library whose calibrated threshold is reported beside the protocol's (default as elsewhere).";
    }

    public IEnumerable<Option> All => [_scores, _groups, _library, _seed, _far];

    public static EvalVerifyExtras Options() => new();

    public Added Apply(ParseResult parse, VerificationOutcome outcome, ImageDecoder decoder, string root, string? reportDir, string? reportPath, bool quiet)
    {
        var rows = PairScores.From(outcome);
        if (parse.GetValue(_scores) is { } csv)
        {
            PairScores.WriteCsv(csv.FullName, rows, root);
            Info(quiet, $"wrote {rows.Count} pairs to {csv.FullName}");
        }

        if (reportDir is not null && reportPath is not null)
        {
            File.AppendAllText(reportPath, PairScores.WriteWorstErrors(reportDir, outcome, rows, decoder, root));
        }

        ResolvedThreshold? inForce = null;
        double? accuracy = null;
        if (outcome.Result.Direction == ScoreDirection.Distance)
        {
            inForce = ThresholdResolver.ResolveForLibrary(parse.GetValue(_library), outcome.Run.Settings["modelId"]);
            accuracy = outcome.Scores.Count(p => p.Score is { } d && (d < inForce.Value) == p.Same) / (double)outcome.Scores.Count;
            if (reportPath is not null)
            {
                File.AppendAllText(reportPath, string.Create(CultureInfo.InvariantCulture, $"\n## The threshold in force\n\nAccuracy over all pairs at the threshold verify and query use, {inForce.Description}: {accuracy:F4}.\n"));
            }
        }

        GroupVerificationResult? groups = null;
        if (parse.GetValue(_groups) is { } groupsFile)
        {
            if (outcome.Result.Direction != ScoreDirection.Distance)
            {
                throw new FaceIndexException("--groups works on Euclidean distances; drop --metric cosine");
            }

            var map = GroupMap.Read(groupsFile.FullName);
            groups = GroupVerification.Evaluate(
                [.. outcome.Pairs.Select((p, i) => (outcome.Scores[i].Score, p.Same, map.ForImage(p.PathA, root), map.ForImage(p.PathB, root)))], parse.GetValue(_far) is { Length: > 0 } fars ? fars : null, seed: parse.GetValue(_seed));
            if (reportDir is not null && reportPath is not null)
            {
                var md = GroupVerification.ToMarkdown(groups);
                if (groups.Groups.Count > 0)
                {
                    for (var k = 0; k < groups.Groups[0].AtFar.Count; k++)
                    {
                        var far = groups.Groups[0].AtFar[k].TargetFar.ToString("G", CultureInfo.InvariantCulture);
                        GroupPlots.Save(Path.Combine(reportDir, $"groups-far-{far}.png"), Path.Combine(reportDir, $"groups-tar-{far}.png"), groups, k);
                        md += $"\n![FAR per group, FAR {far}](groups-far-{far}.png)\n\n![TAR per group, FAR {far}](groups-tar-{far}.png)\n";
                    }
                }

                File.AppendAllText(reportPath, md);
                File.WriteAllText(Path.Combine(reportDir, "groups.json"), System.Text.Json.JsonSerializer.Serialize(groups, EvalOpenSetOutput.JsonOptions));
            }
        }

        return new Added(inForce, accuracy, groups);
    }

    private static void Info(bool quiet, string message)
    {
        if (!quiet)
        {
            Console.Error.WriteLine($"faceindex: {message}");
        }
    }

    /// <summary>What was computed, to render after the main table.</summary>
    internal sealed record Added(ResolvedThreshold? InForce, double? Accuracy, GroupVerificationResult? Groups)
    {
        public void Render()
        {
            if (InForce is not null)
            {
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"accuracy at the threshold in force for verify and query, {InForce.Description}: {Accuracy:F4}")));
            }

            if (Groups is null)
            {
                return;
            }

            var all = Groups.Groups.Concat(new[] { Groups.AcrossGroups, Groups.Unmapped }.OfType<GroupFigures>()).ToList();
            var table = new Table().AddColumns("group", "pairs", "same", "different", "accuracy");
            var fars = all.FirstOrDefault()?.AtFar ?? [];
            foreach (var f in fars)
            {
                var far = f.TargetFar.ToString("G", CultureInfo.InvariantCulture);
                table.AddColumns($"FAR@{far} global", $"TAR@{far} global", $"TAR@{far} own");
            }

            foreach (var g in all)
            {
                var cells = new List<string> { Markup.Escape(g.Group), N(g.Pairs), N(g.Genuine), N(g.Impostor), Markup.Escape(g.Accuracy.ToString()) };
                foreach (var f in g.AtFar)
                {
                    cells.AddRange([Markup.Escape(f.FarAtGlobal.ToString()), Markup.Escape(f.TarAtGlobal.ToString()), Markup.Escape(f.TarAtOwn.ToString())]);
                }

                table.AddRow(cells.ToArray());
            }

            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"per group (95% intervals; global thresholds: accuracy {Groups.GlobalAccuracyThreshold:0.0000}, {string.Join(", ", fars.Select(f => $"FAR {f.TargetFar:G} {f.GlobalThreshold:0.0000}"))})")));
            AnsiConsole.Write(table);
        }

        private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
    }
}
