namespace FaceIndex.Annoy;

/// <summary>The distance an index ranks by; each has its own on-disk node layout, as in spotify/annoy.</summary>
public enum AnnoyMetric
{
    /// <summary>sqrt(2 - 2 cos(u, v)): annoy's "angular".</summary>
    Angular,

    /// <summary>The L2 distance: annoy's "euclidean".</summary>
    Euclidean,

    /// <summary>The L1 distance: annoy's "manhattan".</summary>
    Manhattan,

    /// <summary>The inner product (larger is nearer; returned as is): annoy's "dot".</summary>
    Dot,
}
