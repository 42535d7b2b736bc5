using FaceIndex.Search;

namespace FaceIndex.Evaluation;

/// <summary>The open-set identification results of one identity template.</summary>
public sealed record OpenSetResult
{
    /// <summary>How identities were scored.</summary>
    public required IdentityTemplate Template { get; init; }

    /// <summary>k of the top-k template.</summary>
    public required int TopK { get; init; }

    /// <summary>Enrolled identities.</summary>
    public required int GalleryIdentities { get; init; }

    /// <summary>Enrolled faces.</summary>
    public required int GalleryFaces { get; init; }

    /// <summary>Mated probes (each an enrolled face searched against the gallery without itself).</summary>
    public required int MatedProbes { get; init; }

    /// <summary>Non-mated probes (faces of held-out identities).</summary>
    public required int NonMatedProbes { get; init; }

    /// <summary>Closed-set rank-1: mated probes whose nearest identity is their own.</summary>
    public required double Rank1 { get; init; }

    /// <summary>Closed-set rank-5.</summary>
    public required double Rank5 { get; init; }

    /// <summary>The DET curve, from accepting nothing (FPIR 0, FNIR 1) to accepting everything.</summary>
    public required IReadOnlyList<DetPoint> Det { get; init; }

    /// <summary>FPIR and FNIR at the threshold in force (rank-1 accepted when its score is below it).</summary>
    public required DetPoint AtThreshold { get; init; }

    /// <summary>FNIR at each FPIR target.</summary>
    public required IReadOnlyList<FnirAtFpir> FnirAtFpir { get; init; }

    /// <summary>Every probe's outcome, mated first (for per-group figures).</summary>
    public required IReadOnlyList<ProbeOutcome> Probes { get; init; }
}
