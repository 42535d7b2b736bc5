using FaceIndex.Detection;
using FaceIndex.Landmarks;

namespace FaceIndex.Search;

/// <summary>One face of the query photo with its nearest indexed faces (and its 68 landmarks, where the query kept them).</summary>
public sealed record QueryFace(int FaceIndex, FaceBox Box, double Score, IReadOnlyList<FaceHit> Hits, IReadOnlyList<LandmarkPoint>? Landmarks = null)
{
    /// <summary>True when no hit is within the same-person threshold: the face is of nobody indexed (open-set answer).</summary>
    public bool NoIndexedIdentity => Hits.Count == 0 || !Hits[0].SamePerson;
}
