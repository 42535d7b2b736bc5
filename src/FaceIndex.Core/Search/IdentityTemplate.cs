namespace FaceIndex.Search;

/// <summary>How an identity with several indexed faces is scored against a query face (a distance: lower is more alike).</summary>
public enum IdentityTemplate
{
    /// <summary>Its best face: the smallest distance to any of its faces.</summary>
    Max,

    /// <summary>The mean distance to its k nearest faces (all of them when it has fewer).</summary>
    TopK,

    /// <summary>The distance to the mean of its embeddings (raw vectors averaged, not normalised).</summary>
    Mean,
}
