using FaceIndex.Calibration;

namespace FaceIndex.Search;

/// <summary>The answer to a photo query: the photo and, for each of its query faces, the hits.</summary>
public sealed record QueryResult(string Photo, int Width, int Height, IReadOnlyList<QueryFace> Faces)
{
    /// <summary>The same-person threshold the hits were decided with, and where it came from.</summary>
    public ResolvedThreshold? Threshold { get; init; }
}
