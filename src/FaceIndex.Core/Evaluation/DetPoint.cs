namespace FaceIndex.Evaluation;

/// <summary>One point of an open-set DET curve: at a distance threshold, the non-mated searches that name someone and the mated ones that miss.</summary>
/// <param name="Fpir">False positive identification rate: non-mated probes whose rank-1 identity scores below the threshold.</param>
/// <param name="Fnir">False negative identification rate: mated probes whose rank-1 is not their mate or not below the threshold.</param>
/// <param name="Threshold">The distance threshold (rank-1 accepted when its score is below it; ROC points accept at or below).</param>
public sealed record DetPoint(double Fpir, double Fnir, double Threshold);
