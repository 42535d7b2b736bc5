using FaceIndex.Detection;

namespace FaceIndex.Search;

/// <summary>One face of a query photo with the identities ranked for it.</summary>
/// <param name="FaceIndex">The face's number in the photo (from the left, from 0).</param>
/// <param name="Box">Where it is.</param>
/// <param name="Hits">Identities, nearest first.</param>
public sealed record IdentityQueryFace(int FaceIndex, FaceBox Box, IReadOnlyList<IdentityHit> Hits)
{
    /// <summary>True when the nearest identity is beyond the threshold: the face is of nobody indexed.</summary>
    public bool NoIndexedIdentity => Hits.Count == 0 || !Hits[0].SamePerson;
}
