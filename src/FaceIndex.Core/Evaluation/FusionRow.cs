namespace FaceIndex.Evaluation;

/// <summary>The score-level fusion of a comparison's configurations.</summary>
public sealed record FusionRow(string Label, VerificationResult Result, IReadOnlyList<ScoredPair> Scores, double DPrime);
