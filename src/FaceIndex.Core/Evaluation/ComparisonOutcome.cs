namespace FaceIndex.Evaluation;

/// <summary>Several configurations evaluated on the same pairs and folds, and optionally their fusion.</summary>
public sealed record ComparisonOutcome(IReadOnlyList<ComparisonRow> Rows, FusionRow? Fusion);
