namespace FaceIndex.Search;

/// <summary>How to pick the query faces of a photo.</summary>
public enum QueryFaces
{
    /// <summary>Every face in the photo.</summary>
    All,

    /// <summary>The largest face only.</summary>
    Largest,
}
