namespace FaceIndex.Calibration;

/// <summary>A calibration: the thresholds, the pairs they rest on, and what the default threshold gives on the same pairs.</summary>
/// <param name="GenuinePairs">Same-person pairs with a distance.</param>
/// <param name="ImpostorPairs">Different-person pairs with a distance.</param>
/// <param name="MissingPairs">Pairs left out because an image had no face.</param>
/// <param name="Points">One point per FAR target, then the accuracy-maximising one.</param>
/// <param name="Options">The settings.</param>
/// <param name="AtDefault">What dlib's default threshold gives on the same pairs.</param>
public sealed record CalibrationResult(int GenuinePairs, int ImpostorPairs, int MissingPairs, IReadOnlyList<CalibratedPoint> Points, CalibrationOptions Options, ThresholdRates AtDefault);
