using System.Globalization;
using System.Text;
using FaceIndex.Calibration;

namespace FaceIndex.Evaluation;

/// <summary>A rate with its confidence interval, or the reason it is not given.</summary>
/// <param name="Value">The rate (NaN when not given).</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end.</param>
/// <param name="Count">Successes (false accepts, true accepts, right decisions).</param>
/// <param name="Of">Trials.</param>
/// <param name="TooFew">Why no figure is given (too few pairs); null when it is.</param>
public sealed record RateCi(double Value, double Low, double High, int Count, int Of, string? TooFew)
{
    /// <summary>z of a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// k of n with the Wilson score interval (95%), which stays inside [0, 1] and is sound at 0 and n, unlike the normal approximation.
    /// Below <paramref name="minimum"/> trials no figure is given and <see cref="TooFew"/> says so.
    /// </summary>
    public static RateCi Wilson(int k, int n, int minimum = 1, string what = "pairs")
    {
        if (n < Math.Max(1, minimum))
        {
            return new RateCi(double.NaN, double.NaN, double.NaN, k, n, $"too few ({n} {what}; needs {Math.Max(1, minimum)})");
        }

        const double Z = Z95;
        var p = (double)k / n;
        var denominator = 1 + (Z * Z / n);
        var centre = (p + (Z * Z / (2 * n))) / denominator;
        var half = Z * Math.Sqrt((p * (1 - p) / n) + (Z * Z / (4.0 * n * n))) / denominator;
        return new RateCi(p, Math.Max(0, centre - half), Math.Min(1, centre + half), k, n, null);
    }

    /// <summary>"0.0123 (0.0051-0.0290)", or the reason there is no figure.</summary>
    public override string ToString() => TooFew ?? string.Create(CultureInfo.InvariantCulture, $"{Value:F4} ({Low:F4}-{High:F4})");
}

/// <summary>The figures of one group at one FAR target.</summary>
/// <param name="TargetFar">The FAR target.</param>
/// <param name="GlobalThreshold">The threshold fitted on all pairs at that FAR.</param>
/// <param name="FarAtGlobal">The FAR this group actually gets at the global threshold (the fairness figure).</param>
/// <param name="TarAtGlobal">Its TAR at the global threshold.</param>
/// <param name="OwnThreshold">The threshold fitted on this group's impostors alone (NaN when too few).</param>
/// <param name="TarAtOwn">Its TAR at its own threshold, with a bootstrap interval.</param>
public sealed record GroupFarFigures(double TargetFar, double GlobalThreshold, RateCi FarAtGlobal, RateCi TarAtGlobal, double OwnThreshold, RateCi TarAtOwn);

/// <summary>One group's verification figures (or the pairs across groups, reported apart).</summary>
/// <param name="Group">The group's name; "(across groups)" for pairs whose images are in different groups, "(no group)" for unmapped ones.</param>
/// <param name="Pairs">Pairs with a score.</param>
/// <param name="Genuine">Same-person pairs.</param>
/// <param name="Impostor">Different-person pairs.</param>
/// <param name="Accuracy">Accuracy at the global accuracy-maximising threshold.</param>
/// <param name="AtFar">Figures at each FAR target.</param>
public sealed record GroupFigures(string Group, int Pairs, int Genuine, int Impostor, RateCi Accuracy, IReadOnlyList<GroupFarFigures> AtFar);

/// <summary>Per-group verification: what each group gets at the thresholds fitted on everyone, and at its own.</summary>
/// <param name="GlobalAccuracyThreshold">The accuracy-maximising threshold on all pairs.</param>
/// <param name="Groups">Each group, by name.</param>
/// <param name="AcrossGroups">Pairs whose two images are in different groups (null when none).</param>
/// <param name="Unmapped">Pairs with an image in no group (null when none).</param>
/// <param name="MissingPairs">Pairs without a score, left out of every group figure.</param>
/// <param name="MinimumPairs">The fewest genuine (or impostor) pairs a rate is given on.</param>
/// <param name="Bootstrap">Replicates of the own-threshold intervals.</param>
/// <param name="Seed">Their seed.</param>
public sealed record GroupVerificationResult(
    double GlobalAccuracyThreshold, IReadOnlyList<GroupFigures> Groups, GroupFigures? AcrossGroups, GroupFigures? Unmapped, int MissingPairs, int MinimumPairs, int Bootstrap, int Seed);

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
