namespace FaceIndex.Audit;

/// <summary>Options of <see cref="DatasetAuditor.Run"/>; a null threshold is calibrated from the dataset.</summary>
/// <param name="Dataset">The dataset audited.</param>
/// <param name="Against">Another dataset to look for shared people in (by faces), or null.</param>
/// <param name="Neighbours">Nearest faces taken from the face index per face.</param>
/// <param name="SameThreshold">Override of the same-person distance.</param>
/// <param name="DuplicateThreshold">Override of the same-photo distance.</param>
/// <param name="Margin">How much closer another identity must be (distance units).</param>
/// <param name="MinGroup">The smaller group of a split identity has at least this many faces.</param>
/// <param name="QualityThreshold">Faces whose quality score is below this are reported.</param>
/// <param name="Sharpness">Decode the images to measure sharpness (otherwise the quality score goes without it).</param>
/// <param name="PairSamples">Pairs sampled per distribution for the calibration.</param>
/// <param name="Seed">Seed of the pair sampling.</param>
/// <param name="MaxMembers">Per identity, at most this many faces are compared with a face (seeded sample): bounds the cost of huge identities.</param>
/// <param name="Threads">Threads for the neighbour search, each with its own read-only catalog and index (0: one per core).</param>
public sealed record AuditOptions(
    string Dataset,
    string? Against = null,
    int Neighbours = 10,
    double? SameThreshold = null,
    double? DuplicateThreshold = null,
    double Margin = 0.1,
    int MinGroup = 2,
    double QualityThreshold = 0.4,
    bool Sharpness = true,
    int PairSamples = 20_000,
    int Seed = 42,
    int MaxMembers = 200,
    int Threads = 0);
