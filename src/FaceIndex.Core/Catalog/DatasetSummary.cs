namespace FaceIndex.Catalog;

/// <summary>A dataset as <c>faceindex datasets --json</c> and the server's /api/datasets show it: licence, provenance, counts.</summary>
public sealed record DatasetSummary(
    string Name,
    string Licence,
    string? Source,
    string? Consent,
    string? Citation,
    string Layout,
    string? Root,
    long Images,
    long Ok,
    long NoFace,
    long Failed,
    int Removals);
