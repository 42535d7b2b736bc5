namespace FaceIndex.Evaluation;

/// <summary>One probe's search: whose face it is, whether that identity is enrolled, where its mate ranked, and the rank-1 answer.</summary>
/// <param name="Identity">The probe's identity label.</param>
/// <param name="Mated">Whether the identity is enrolled.</param>
/// <param name="MateRank">1-based rank of the mate (0 when not found or non-mated).</param>
/// <param name="Rank1Identity">The nearest identity.</param>
/// <param name="Rank1Score">Its template score.</param>
public readonly record struct ProbeOutcome(int Identity, bool Mated, int MateRank, int Rank1Identity, float Rank1Score);
