namespace FaceIndex.Evaluation;

/// <summary>One group's open-set identification figures at the threshold in force.</summary>
/// <param name="Group">The group ("(no group)" for unmapped identities).</param>
/// <param name="MatedProbes">Its mated probes.</param>
/// <param name="NonMatedProbes">Its non-mated probes (faces of its held-out identities).</param>
/// <param name="Rank1">Closed-set rank-1 of its mated probes.</param>
/// <param name="Fnir">FNIR at the threshold.</param>
/// <param name="Fpir">FPIR at the threshold: its strangers named as somebody.</param>
public sealed record GroupIdentificationFigures(string Group, int MatedProbes, int NonMatedProbes, RateCi Rank1, RateCi Fnir, RateCi Fpir);
