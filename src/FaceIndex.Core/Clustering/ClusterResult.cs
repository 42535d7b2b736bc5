namespace FaceIndex.Clustering;

/// <summary>A clustering of a dataset's faces, with scores against its labels when it has them.</summary>
/// <param name="Options">What it ran with (seed included).</param>
/// <param name="Threshold">The distance threshold used.</param>
/// <param name="Clusters">Clusters of at least MinSize faces, largest first, then the unclustered (id -1) if any.</param>
/// <param name="Metrics">Scores against the identity labels (labels hidden from the clustering), or null when unlabelled.</param>
/// <param name="Seconds">Time per stage (neighbours, clustering).</param>
/// <param name="MadeAt">When.</param>
public sealed record ClusterResult(ClusterOptions Options, double Threshold, IReadOnlyList<FaceCluster> Clusters, ClusterMetrics? Metrics, IReadOnlyDictionary<string, double> Seconds, DateTimeOffset MadeAt)
{
    /// <summary>The model whose embeddings and face index were clustered (the threshold is a distance in its terms).</summary>
    public string? ModelId { get; init; }
}
