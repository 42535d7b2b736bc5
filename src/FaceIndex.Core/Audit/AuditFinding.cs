namespace FaceIndex.Audit;

/// <summary>One suspected problem: its kind, the faces involved, the measured evidence and a confidence in [0, 1].</summary>
/// <param name="Kind">What is suspected.</param>
/// <param name="Confidence">How sure, in [0, 1]; findings are sorted by it.</param>
/// <param name="Summary">One sentence a person can check against the thumbnails.</param>
/// <param name="Faces">The faces involved (the suspect first).</param>
/// <param name="Evidence">The numbers behind it (distances, medians, quality components, thresholds).</param>
/// <param name="Suggestion">The identity the face resembles, the other dataset's identity, or null.</param>
public sealed record AuditFinding(AuditKind Kind, double Confidence, string Summary, IReadOnlyList<AuditFace> Faces, IReadOnlyDictionary<string, double> Evidence, string? Suggestion = null);
