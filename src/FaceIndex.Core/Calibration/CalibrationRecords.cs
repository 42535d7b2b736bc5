namespace FaceIndex.Calibration;

/// <summary>Settings of a calibration; every one is stored with its result.</summary>
/// <param name="Fars">The FAR targets to fit a threshold at (each in (0, 1)).</param>
/// <param name="Bootstrap">Bootstrap replicates for the confidence intervals (0: no interval).</param>
/// <param name="Seed">Seed of the bootstrap (System.Random, the same sequence on every .NET version).</param>
/// <param name="Confidence">Confidence level of the percentile intervals.</param>
public sealed record CalibrationOptions(IReadOnlyList<double>? Fars = null, int Bootstrap = 1000, int Seed = 1, double Confidence = 0.95)
{
    /// <summary>The FAR targets used when none are given.</summary>
    public static IReadOnlyList<double> DefaultFars { get; } = [1e-2, 1e-3];
}

/// <summary>Which rule chose a calibrated threshold.</summary>
public enum OperatingPointKind
{
    /// <summary>The most lenient threshold whose false-accept rate does not exceed a target.</summary>
    Far,

    /// <summary>The threshold that maximises accuracy over all pairs.</summary>
    Accuracy,
}

/// <summary>
/// One calibrated distance threshold (a pair is the same person when its distance is below it) with its bootstrap interval and what it
/// gives on the calibration pairs.
/// </summary>
/// <param name="Kind">The rule that chose it.</param>
/// <param name="TargetFar">The FAR asked for (null for the accuracy rule).</param>
/// <param name="Threshold">The distance threshold.</param>
/// <param name="CiLow">Lower end of the percentile bootstrap interval (NaN when no bootstrap ran).</param>
/// <param name="CiHigh">Upper end of that interval.</param>
/// <param name="Far">Impostor pairs accepted (distance &lt; threshold) / impostor pairs.</param>
/// <param name="Tar">Genuine pairs accepted / genuine pairs.</param>
/// <param name="Accuracy">Pairs decided right / all pairs.</param>
/// <param name="ImpostorPairs">The impostor pairs the threshold rests on.</param>
/// <param name="EnoughImpostors">False when there are fewer than 1 / FAR impostor pairs, so the FAR asked cannot be observed at all.</param>
/// <param name="Note">Why the figure is weak, when it is (too few impostor pairs); null otherwise.</param>
public sealed record CalibratedPoint(
    OperatingPointKind Kind, double? TargetFar, double Threshold, double CiLow, double CiHigh, double Far, double Tar, double Accuracy, int ImpostorPairs, bool EnoughImpostors, string? Note)
{
    /// <summary>"far 0.001" or "accuracy": how the point is named in the catalog and in <c>--use</c>.</summary>
    public string Name => Kind == OperatingPointKind.Far ? FormattableString.Invariant($"far {TargetFar:G}") : "accuracy";
}

/// <summary>A calibration: the thresholds, the pairs they rest on, and what the default threshold gives on the same pairs.</summary>
/// <param name="GenuinePairs">Same-person pairs with a distance.</param>
/// <param name="ImpostorPairs">Different-person pairs with a distance.</param>
/// <param name="MissingPairs">Pairs left out because an image had no face.</param>
/// <param name="Points">One point per FAR target, then the accuracy-maximising one.</param>
/// <param name="Options">The settings.</param>
/// <param name="AtDefault">What dlib's default threshold gives on the same pairs.</param>
public sealed record CalibrationResult(int GenuinePairs, int ImpostorPairs, int MissingPairs, IReadOnlyList<CalibratedPoint> Points, CalibrationOptions Options, ThresholdRates AtDefault);

/// <summary>What a distance threshold gives on a set of labelled pairs.</summary>
/// <param name="Threshold">The threshold (same when distance &lt; it).</param>
/// <param name="Far">Impostor pairs accepted / impostor pairs.</param>
/// <param name="Tar">Genuine pairs accepted / genuine pairs.</param>
/// <param name="Accuracy">Pairs decided right / all pairs.</param>
public sealed record ThresholdRates(double Threshold, double Far, double Tar, double Accuracy);
