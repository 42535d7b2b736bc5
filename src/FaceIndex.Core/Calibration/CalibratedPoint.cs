namespace FaceIndex.Calibration;

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
