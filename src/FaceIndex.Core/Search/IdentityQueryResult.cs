using FaceIndex.Calibration;

namespace FaceIndex.Search;

/// <summary>A query that ranks identities: the template rule, the threshold and its origin, and the faces.</summary>
public sealed record IdentityQueryResult(string Photo, IdentityTemplate Template, int TopK, ResolvedThreshold Threshold, IReadOnlyList<IdentityQueryFace> Faces);
