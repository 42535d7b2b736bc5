namespace FaceIndex.Evaluation;

/// <summary>results.json of a comparison: the table and each configuration's run record.</summary>
public sealed record ComparisonJson(IReadOnlyList<ComparisonLine> Lines, IReadOnlyList<RunRecord> Runs);
