namespace FaceIndex.Audit;

/// <summary>
/// The distance thresholds an audit used and where they came from: sampled same-identity and different-identity
/// pairs of the dataset itself (seeded), or the caller's overrides.
/// </summary>
/// <param name="SamePairs">Same-identity pairs measured.</param>
/// <param name="DifferentPairs">Different-identity pairs measured.</param>
/// <param name="SameP5">5th percentile of same-identity distances (also P50, P95, P99 below).</param>
/// <param name="DifferentP1">1st percentile of different-identity distances (also P5, P50 below).</param>
/// <param name="SameThreshold">Same person below this (where the two sampled error rates sum lowest).</param>
/// <param name="DuplicateThreshold">Same photo below this: 0.4 x the median same-identity distance, within [0.05, 0.2].</param>
/// <param name="Margin">How much closer another identity must be than the own one to call a face mislabelled.</param>
/// <param name="How">How the thresholds were chosen, in words.</param>
public sealed record AuditCalibration(
    int SamePairs,
    int DifferentPairs,
    double SameP5,
    double SameP50,
    double SameP95,
    double SameP99,
    double DifferentP1,
    double DifferentP5,
    double DifferentP50,
    double SameThreshold,
    double DuplicateThreshold,
    double Margin,
    string How);
