namespace FaceIndex.Calibration;

/// <summary>What a distance threshold gives on a set of labelled pairs.</summary>
/// <param name="Threshold">The threshold (same when distance &lt; it).</param>
/// <param name="Far">Impostor pairs accepted / impostor pairs.</param>
/// <param name="Tar">Genuine pairs accepted / genuine pairs.</param>
/// <param name="Accuracy">Pairs decided right / all pairs.</param>
public sealed record ThresholdRates(double Threshold, double Far, double Tar, double Accuracy);
