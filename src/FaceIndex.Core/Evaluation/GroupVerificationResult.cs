namespace FaceIndex.Evaluation;

/// <summary>Per-group verification: what each group gets at the thresholds fitted on everyone, and at its own.</summary>
/// <param name="GlobalAccuracyThreshold">The accuracy-maximising threshold on all pairs.</param>
/// <param name="Groups">Each group, by name.</param>
/// <param name="AcrossGroups">Pairs whose two images are in different groups (null when none).</param>
/// <param name="Unmapped">Pairs with an image in no group (null when none).</param>
/// <param name="MissingPairs">Pairs without a score, left out of every group figure.</param>
/// <param name="MinimumPairs">The fewest genuine (or impostor) pairs a rate is given on.</param>
/// <param name="Bootstrap">Replicates of the own-threshold intervals.</param>
/// <param name="Seed">Their seed.</param>
public sealed record GroupVerificationResult(
    double GlobalAccuracyThreshold, IReadOnlyList<GroupFigures> Groups, GroupFigures? AcrossGroups, GroupFigures? Unmapped, int MissingPairs, int MinimumPairs, int Bootstrap, int Seed);
