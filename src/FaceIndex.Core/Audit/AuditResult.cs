namespace FaceIndex.Audit;

/// <summary>What an audit found, with the thresholds it used and what it took.</summary>
/// <param name="Options">The options it ran with (seed included), so it can be repeated.</param>
/// <param name="Faces">Faces audited.</param>
/// <param name="LabelledSubjects">Subject faces with an identity label (the label checks use these).</param>
/// <param name="Identities">Identities among them.</param>
/// <param name="Calibration">The thresholds and the distributions they came from.</param>
/// <param name="Findings">Every finding, most confident first.</param>
/// <param name="Seconds">Time per stage.</param>
/// <param name="MadeAt">When.</param>
public sealed record AuditResult(
    AuditOptions Options,
    int Faces,
    int LabelledSubjects,
    int Identities,
    AuditCalibration Calibration,
    IReadOnlyList<AuditFinding> Findings,
    IReadOnlyDictionary<string, double> Seconds,
    DateTimeOffset MadeAt)
{
    /// <summary>The model whose embeddings and face index were audited (distances and thresholds are in its terms).</summary>
    public string? ModelId { get; init; }

    /// <summary>Findings per kind.</summary>
    public IReadOnlyDictionary<AuditKind, int> CountByKind =>
        Enum.GetValues<AuditKind>().ToDictionary(k => k, k => Findings.Count(f => f.Kind == k));
}
