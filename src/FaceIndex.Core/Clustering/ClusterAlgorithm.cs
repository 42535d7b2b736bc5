namespace FaceIndex.Clustering;

/// <summary>How faces are grouped into people.</summary>
public enum ClusterAlgorithm
{
    /// <summary>Chinese Whispers over the kNN graph cut at the same-person threshold, as dlib clusters faces (seeded).</summary>
    ChineseWhispers,

    /// <summary>Agglomerative, average linkage, merging kNN-connected groups while their mean distance stays below the threshold.</summary>
    AverageLinkage,
}
