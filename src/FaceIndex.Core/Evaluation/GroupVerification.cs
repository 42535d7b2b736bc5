using System.Globalization;
using System.Text;
using FaceIndex.Calibration;

namespace FaceIndex.Evaluation;

/// <summary>
/// Accuracy per group for verification. Global thresholds are fitted on all pairs (as <see cref="ThresholdCalibration"/> does); each group's
/// pairs (both images in the group) are then measured at them, and at the group's own FAR threshold. Rates at a fixed threshold get
/// Wilson intervals; the TAR at the group's own threshold gets a stratified percentile bootstrap (the threshold is refitted each replicate).
/// A rate on fewer than <c>minimumPairs</c> pairs of its kind, and a figure at a FAR the group's impostor count cannot show (fewer than
/// 1 / FAR), is replaced by the reason.
/// </summary>
public static class GroupVerification
{
    /// <summary>The name of the bucket of pairs across groups.</summary>
    public const string Across = "(across groups)";

    /// <summary>The name of the bucket of pairs with an unmapped image.</summary>
    public const string NoGroup = "(no group)";

    /// <summary>Evaluates distance-scored pairs with each image's group (null: unmapped).</summary>
    public static GroupVerificationResult Evaluate(
        IReadOnlyList<(double? Distance, bool Same, string? GroupA, string? GroupB)> pairs, IReadOnlyList<double>? fars = null, int minimumPairs = 10, int bootstrap = 1000, int seed = 1)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        fars ??= VerificationMetrics.DefaultFarTargets;
        var scored = pairs.Where(p => p.Distance.HasValue).ToList();
        var genuine = scored.Where(p => p.Same).Select(p => p.Distance!.Value).Order().ToArray();
        var impostor = scored.Where(p => !p.Same).Select(p => p.Distance!.Value).Order().ToArray();
        if (genuine.Length == 0 || impostor.Length == 0)
        {
            throw new FaceIndexException($"per-group figures need same-person and different-person pairs with a score; found {genuine.Length} and {impostor.Length}");
        }

        var globalFar = fars.Select(f => ThresholdCalibration.AtFar(impostor, Ones(impostor.Length), f)).ToArray();
        var globalAcc = ThresholdCalibration.BestAccuracy(genuine, Ones(genuine.Length), impostor, Ones(impostor.Length));

        string Bucket((double? Distance, bool Same, string? GroupA, string? GroupB) p) =>
            p.GroupA is null || p.GroupB is null ? NoGroup : p.GroupA == p.GroupB ? p.GroupA : Across;
        var buckets = scored.GroupBy(Bucket).ToDictionary(g => g.Key, g => g.Select(p => (p.Distance!.Value, p.Same)).ToList(), StringComparer.Ordinal);
        var seedOffset = 0;
        GroupFigures Figures(string name, List<(double D, bool Same)> list)
        {
            var g = list.Where(x => x.Same).Select(x => x.D).Order().ToArray();
            var i = list.Where(x => !x.Same).Select(x => x.D).Order().ToArray();
            var right = g.Count(d => d < globalAcc) + i.Count(d => d >= globalAcc);
            var accuracy = RateCi.Wilson(right, list.Count, minimumPairs);
            var atFar = new List<GroupFarFigures>();
            for (var k = 0; k < fars.Count; k++)
            {
                var f = fars[k];
                var t = globalFar[k];
                var farMin = Math.Max(minimumPairs, (int)Math.Ceiling((1 / f) * (1 - 1e-12)));
                var farAt = RateCi.Wilson(i.Count(d => d < t), i.Length, farMin, "impostor pairs");
                var tarAt = RateCi.Wilson(g.Count(d => d < t), g.Length, minimumPairs, "same-person pairs");
                var (own, tarOwn) = OwnThreshold(g, i, f, minimumPairs, bootstrap, seed + seedOffset++);
                atFar.Add(new GroupFarFigures(f, t, farAt, tarAt, own, tarOwn));
            }

            return new GroupFigures(name, list.Count, g.Length, i.Length, accuracy, atFar);
        }

        var groups = buckets.Where(kv => kv.Key is not (Across or NoGroup)).OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => Figures(kv.Key, kv.Value)).ToList();
        var across = buckets.TryGetValue(Across, out var a) ? Figures(Across, a) : null;
        var none = buckets.TryGetValue(NoGroup, out var n) ? Figures(NoGroup, n) : null;
        return new GroupVerificationResult(globalAcc, groups, across, none, pairs.Count - scored.Count, minimumPairs, bootstrap, seed);
    }

    /// <summary>The report section: one table per FAR target, the accuracy table, and what "too few" means.</summary>
    public static string ToMarkdown(GroupVerificationResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var md = new StringBuilder("\n## Accuracy per group\n\n");
        md.Append(CultureInfo.InvariantCulture, $"Pairs whose two images are in one group count for that group; pairs across groups are reported apart. Rates at a fixed threshold: Wilson 95% intervals; TAR at a group's own threshold: {result.Bootstrap} bootstrap replicates (seeds from {result.Seed}). A rate needs {result.MinimumPairs} pairs of its kind, and a FAR figure at least 1 / FAR impostor pairs; below that the table says so. {result.MissingPairs} pairs without a face are left out.\n\n");
        var all = result.Groups.Concat(new[] { result.AcrossGroups, result.Unmapped }.OfType<GroupFigures>()).ToList();
        md.Append(CultureInfo.InvariantCulture, $"| group | pairs | same | different | accuracy at {result.GlobalAccuracyThreshold:0.0000} |\n|---|---|---|---|---|\n");
        foreach (var g in all)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {g.Group} | {g.Pairs} | {g.Genuine} | {g.Impostor} | {g.Accuracy} |\n");
        }

        for (var k = 0; k < (all.FirstOrDefault()?.AtFar.Count ?? 0); k++)
        {
            var f0 = all[0].AtFar[k];
            md.Append(CultureInfo.InvariantCulture, $"\n### FAR {f0.TargetFar:G} (global threshold {f0.GlobalThreshold:0.0000})\n\n");
            md.Append("| group | FAR at global threshold | TAR at global threshold | own threshold | TAR at own threshold |\n|---|---|---|---|---|\n");
            foreach (var g in all)
            {
                var f = g.AtFar[k];
                md.Append(CultureInfo.InvariantCulture, $"| {g.Group} | {f.FarAtGlobal} | {f.TarAtGlobal} | {(double.IsNaN(f.OwnThreshold) ? "-" : f.OwnThreshold.ToString("0.0000", CultureInfo.InvariantCulture))} | {f.TarAtOwn} |\n");
            }
        }

        return md.ToString();
    }

    private static (double Threshold, RateCi Tar) OwnThreshold(double[] genuine, double[] impostor, double far, int minimumPairs, int bootstrap, int seed)
    {
        if (impostor.Length * far < 1 - 1e-9 || impostor.Length < minimumPairs)
        {
            var needed = Math.Max(minimumPairs, (int)Math.Ceiling((1 / far) * (1 - 1e-12)));
            return (double.NaN, new RateCi(double.NaN, double.NaN, double.NaN, 0, genuine.Length, $"too few ({impostor.Length} impostor pairs; needs {needed})"));
        }

        if (genuine.Length < minimumPairs)
        {
            return (double.NaN, new RateCi(double.NaN, double.NaN, double.NaN, 0, genuine.Length, $"too few ({genuine.Length} same-person pairs; needs {minimumPairs})"));
        }

        var t = ThresholdCalibration.AtFar(impostor, Ones(impostor.Length), far);
        var accepted = genuine.Count(d => d < t);
        if (bootstrap == 0)
        {
            return (t, new RateCi((double)accepted / genuine.Length, double.NaN, double.NaN, accepted, genuine.Length, null));
        }

        // Resample both classes, refit the threshold on the resampled impostors, measure the resampled genuine pairs against it.
        var rng = new Random(seed);
        var wg = new int[genuine.Length];
        var wi = new int[impostor.Length];
        var reps = new double[bootstrap];
        for (var b = 0; b < bootstrap; b++)
        {
            ThresholdCalibration.Resample(rng, wg);
            ThresholdCalibration.Resample(rng, wi);
            var tb = ThresholdCalibration.AtFar(impostor, wi, far);
            var acc = 0;
            for (var k = 0; k < genuine.Length && genuine[k] < tb; k++)
            {
                acc += wg[k];
            }

            reps[b] = (double)acc / genuine.Length;
        }

        return (t, new RateCi((double)accepted / genuine.Length, ThresholdCalibration.Percentile(reps, 0.025), ThresholdCalibration.Percentile(reps, 0.975), accepted, genuine.Length, null));
    }

    private static int[] Ones(int n)
    {
        var a = new int[n];
        Array.Fill(a, 1);
        return a;
    }
}
