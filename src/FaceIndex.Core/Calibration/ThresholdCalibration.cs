using FaceIndex.Evaluation;

namespace FaceIndex.Calibration;

/// <summary>
/// Fits distance thresholds to labelled pairs: at FAR targets and at maximum accuracy, each with a stratified percentile bootstrap
/// interval (genuine and impostor pairs resampled apart, so every replicate keeps the calibration's class sizes).
/// </summary>
public static class ThresholdCalibration
{
    /// <summary>Calibrates on scored pairs whose scores are Euclidean distances; pairs without a score are left out and counted. Progress: replicates done.</summary>
    /// <exception cref="FaceIndexException">No genuine or no impostor pair with a distance, or a FAR target outside (0, 1).</exception>
    public static CalibrationResult Calibrate(IReadOnlyList<ScoredPair> pairs, CalibrationOptions? options = null, IProgress<int>? progress = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        options ??= new CalibrationOptions();
        var fars = options.Fars is { Count: > 0 } given ? given : CalibrationOptions.DefaultFars;
        foreach (var f in fars)
        {
            if (!(f > 0 && f < 1))
            {
                throw new FaceIndexException(FormattableString.Invariant($"FAR target {f} is not between 0 and 1 (exclusive); give e.g. 1e-3"));
            }
        }

        if (!(options.Confidence > 0 && options.Confidence < 1) || options.Bootstrap < 0)
        {
            throw new FaceIndexException(FormattableString.Invariant($"confidence {options.Confidence} must be in (0, 1) and bootstrap replicates {options.Bootstrap} at least 0"));
        }

        var genuine = pairs.Where(p => p.Same && p.Score.HasValue).Select(p => p.Score!.Value).Order().ToArray();
        var impostor = pairs.Where(p => !p.Same && p.Score.HasValue).Select(p => p.Score!.Value).Order().ToArray();
        if (genuine.Length == 0 || impostor.Length == 0)
        {
            throw new FaceIndexException(
                $"calibration needs same-person and different-person pairs with a face in both images; found {genuine.Length} and {impostor.Length}: add pairs of both kinds (or identities with two or more photos)");
        }

        var ones = (G: Ones(genuine.Length), I: Ones(impostor.Length));
        var farThresholds = fars.Select(f => AtFar(impostor, ones.I, f)).ToArray();
        var best = BestAccuracy(genuine, ones.G, impostor, ones.I);

        // Replicates: for each, draw genuine.Length indices into the genuine pairs, then impostor.Length into the impostors.
        var reps = new double[fars.Count + 1][];
        for (var k = 0; k < reps.Length; k++)
        {
            reps[k] = new double[options.Bootstrap];
        }

        var rng = new Random(options.Seed);
        var wg = new int[genuine.Length];
        var wi = new int[impostor.Length];
        for (var b = 0; b < options.Bootstrap; b++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            Resample(rng, wg);
            Resample(rng, wi);
            for (var k = 0; k < fars.Count; k++)
            {
                reps[k][b] = AtFar(impostor, wi, fars[k]);
            }

            reps[fars.Count][b] = BestAccuracy(genuine, wg, impostor, wi);
            if ((b + 1) % 10 == 0 || b + 1 == options.Bootstrap)
            {
                progress?.Report(b + 1);
            }
        }

        var alpha = (1 - options.Confidence) / 2;
        CalibratedPoint Point(OperatingPointKind kind, double? target, double t, double[] replicates)
        {
            var (far, tar, accuracy) = Rates(genuine, impostor, t);
            var (lo, hi) = replicates.Length == 0 ? (double.NaN, double.NaN) : (Percentile(replicates, alpha), Percentile(replicates, 1 - alpha));
            var enough = target is not { } f || impostor.Length * f >= 1 - 1e-9;
            return new CalibratedPoint(kind, target, t, lo, hi, far, tar, accuracy, impostor.Length, enough, target is { } ft ? FarNote(impostor.Length, ft) : null);
        }

        var points = fars.Select((f, k) => Point(OperatingPointKind.Far, f, farThresholds[k], reps[k])).ToList();
        points.Add(Point(OperatingPointKind.Accuracy, null, best, reps[fars.Count]));
        var (dFar, dTar, dAcc) = Rates(genuine, impostor, ThresholdResolver.DefaultThreshold);
        var atDefault = new ThresholdRates(ThresholdResolver.DefaultThreshold, dFar, dTar, dAcc);
        return new CalibrationResult(genuine.Length, impostor.Length, pairs.Count - genuine.Length - impostor.Length, points, options with { Fars = [.. fars] }, atDefault);
    }

    /// <summary>
    /// The threshold at a FAR target: with the impostor distances sorted ascending and m = floor(target x impostors) false accepts
    /// allowed, the (m+1)-th smallest impostor distance (each counted <paramref name="weights"/> times). Accepting distances strictly
    /// below it accepts at most m impostors, and it is the most lenient such observed value.
    /// </summary>
    public static double AtFar(IReadOnlyList<double> sortedImpostors, IReadOnlyList<int> weights, double targetFar)
    {
        ArgumentNullException.ThrowIfNull(sortedImpostors);
        ArgumentNullException.ThrowIfNull(weights);
        var total = 0L;
        foreach (var w in weights)
        {
            total += w;
        }

        // The factor guards floor() against products such as 0.29 x 100 = 28.999999999999996.
        var allowed = (long)Math.Floor(targetFar * total * (1 + 1e-12));
        var cumulative = 0L;
        for (var i = 0; i < sortedImpostors.Count; i++)
        {
            cumulative += weights[i];
            if (cumulative > allowed)
            {
                return sortedImpostors[i];
            }
        }

        return double.PositiveInfinity;
    }

    /// <summary>
    /// The accuracy-maximising distance threshold (same when distance &lt; t), each pair counted its weight times. Candidates: one above
    /// the largest distance, every midpoint between consecutive distinct distances, one below the smallest; on a tie the largest threshold
    /// (the one accepting most pairs) wins. The same rule as <see cref="VerificationMetrics"/>' fold thresholds.
    /// </summary>
    public static double BestAccuracy(IReadOnlyList<double> sortedGenuine, IReadOnlyList<int> genuineWeights, IReadOnlyList<double> sortedImpostors, IReadOnlyList<int> impostorWeights)
    {
        ArgumentNullException.ThrowIfNull(sortedGenuine);
        ArgumentNullException.ThrowIfNull(genuineWeights);
        ArgumentNullException.ThrowIfNull(sortedImpostors);
        ArgumentNullException.ThrowIfNull(impostorWeights);

        // Walk both sorted lists from the top: lowering t past a distance u rejects the pairs at u.
        int g = sortedGenuine.Count - 1, i = sortedImpostors.Count - 1;
        void SkipEmpty()
        {
            while (g >= 0 && genuineWeights[g] == 0)
            {
                g--;
            }

            while (i >= 0 && impostorWeights[i] == 0)
            {
                i--;
            }
        }

        SkipEmpty();
        if (g < 0 && i < 0)
        {
            throw new FaceIndexException("no pair to choose a threshold from");
        }

        double Top() => g < 0 ? sortedImpostors[i] : i < 0 ? sortedGenuine[g] : Math.Max(sortedGenuine[g], sortedImpostors[i]);
        long correct = 0;
        foreach (var w in genuineWeights)
        {
            correct += w;
        }

        var bestT = Top() + 1;
        var bestCorrect = correct;
        while (g >= 0 || i >= 0)
        {
            var u = Top();
            for (; g >= 0 && sortedGenuine[g].Equals(u); g--)
            {
                correct -= genuineWeights[g];
            }

            for (; i >= 0 && sortedImpostors[i].Equals(u); i--)
            {
                correct += impostorWeights[i];
            }

            SkipEmpty();
            var t = g >= 0 || i >= 0 ? u + ((Top() - u) / 2) : u - 1;
            if (correct > bestCorrect)
            {
                (bestT, bestCorrect) = (t, correct);
            }
        }

        return bestT;
    }

    /// <summary>FAR, TAR and accuracy at a distance threshold (same when distance &lt; threshold).</summary>
    public static (double Far, double Tar, double Accuracy) Rates(IReadOnlyList<double> genuine, IReadOnlyList<double> impostor, double threshold)
    {
        ArgumentNullException.ThrowIfNull(genuine);
        ArgumentNullException.ThrowIfNull(impostor);
        var ta = genuine.Count(d => d < threshold);
        var fa = impostor.Count(d => d < threshold);
        return ((double)fa / impostor.Count, (double)ta / genuine.Count, (double)(ta + impostor.Count - fa) / (genuine.Count + impostor.Count));
    }

    /// <summary>The p-quantile of <paramref name="values"/> by linear interpolation between order statistics (Hyndman-Fan type 7, R's default).</summary>
    public static double Percentile(IReadOnlyList<double> values, double p)
    {
        ArgumentNullException.ThrowIfNull(values);
        var sorted = values.Order().ToArray();
        var h = (sorted.Length - 1) * p;
        var lo = (int)Math.Floor(h);
        var hi = Math.Min(lo + 1, sorted.Length - 1);
        if (double.IsInfinity(sorted[lo]) || double.IsInfinity(sorted[hi]))
        {
            return h - lo < 0.5 ? sorted[lo] : sorted[hi];
        }

        return sorted[lo] + ((h - lo) * (sorted[hi] - sorted[lo]));
    }

    /// <summary>Why a FAR figure is weak on this many impostor pairs, or null when there are enough (10 / FAR or more).</summary>
    public static string? FarNote(int impostorPairs, double targetFar)
    {
        var needed = (long)Math.Ceiling(1 / targetFar * (1 - 1e-12));
        if (impostorPairs * targetFar < 1 - 1e-9)
        {
            return FormattableString.Invariant(
                $"too few impostor pairs for FAR {targetFar:G}: {impostorPairs:N0} cannot show a single false accept at that rate (needs at least {needed:N0}, about {needed * 10:N0} for a stable threshold); the threshold is the smallest impostor distance");
        }

        return impostorPairs * targetFar < 10 - 1e-9
            ? FormattableString.Invariant($"few impostor pairs for FAR {targetFar:G}: the threshold rests on {Math.Floor(impostorPairs * targetFar * (1 + 1e-12)):G} false accept(s) of {impostorPairs:N0} (about {needed * 10:N0} give a stable one); see the interval")
            : null;
    }

    /// <summary>One draw of a multinomial resample: n indices drawn with replacement, counted per index.</summary>
    internal static void Resample(Random rng, int[] counts)
    {
        Array.Clear(counts);
        for (var k = 0; k < counts.Length; k++)
        {
            counts[rng.Next(counts.Length)]++;
        }
    }

    private static int[] Ones(int n)
    {
        var a = new int[n];
        Array.Fill(a, 1);
        return a;
    }
}
