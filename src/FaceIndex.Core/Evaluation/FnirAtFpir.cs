namespace FaceIndex.Evaluation;

/// <summary>FNIR at a FPIR target, read from the DET as a step function (the most lenient threshold whose FPIR does not exceed the target).</summary>
/// <param name="TargetFpir">The FPIR asked for.</param>
/// <param name="Fnir">FNIR there.</param>
/// <param name="AchievedFpir">The FPIR reached.</param>
/// <param name="Threshold">The threshold of that point.</param>
/// <param name="Note">Set when there are fewer than 1 / FPIR non-mated probes, so the target cannot be observed.</param>
public sealed record FnirAtFpir(double TargetFpir, double Fnir, double AchievedFpir, double Threshold, string? Note);
