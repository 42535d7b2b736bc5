namespace FaceIndex.Clustering;

/// <summary>Options of <see cref="FaceClusterer.Run"/>.</summary>
/// <param name="Dataset">The dataset whose faces are clustered.</param>
/// <param name="Algorithm">Chinese Whispers or average linkage.</param>
/// <param name="Threshold">Same person below this distance (null: the model's own: dlib's 0.6, a manifest's threshold as a library distance).</param>
/// <param name="Neighbours">Nearest faces per face from the face index (the graph's edges).</param>
/// <param name="MinSize">Clusters smaller than this are not clusters: their faces get id -1 ("unclustered").</param>
/// <param name="SubjectsOnly">Cluster only each image's subject face (default: every face, as for unlabelled photos).</param>
/// <param name="Iterations">Chinese Whispers passes (dlib's default 100).</param>
/// <param name="Seed">Chinese Whispers' visiting order.</param>
/// <param name="Threads">Threads for the neighbour search, each with its own read-only catalog and index (0: one per core).</param>
public sealed record ClusterOptions(
    string Dataset,
    ClusterAlgorithm Algorithm = ClusterAlgorithm.AverageLinkage,
    double? Threshold = null,
    int Neighbours = 20,
    int MinSize = 2,
    bool SubjectsOnly = false,
    int Iterations = 100,
    int Seed = 42,
    int Threads = 0);
