using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>How <c>faceindex serve</c> runs: the library, where it listens, what it keeps, and its limits.</summary>
public sealed record ServeOptions
{
    /// <summary>The library folder (opened read-only: the server never takes the writer lock).</summary>
    public required string Library { get; init; }

    /// <summary>Where stored results (permalinks) live; null for <c>LIBRARY/results</c>.</summary>
    public string? ResultsDir { get; init; }

    /// <summary>A folder of evaluation reports (<c>eval --report</c>) to serve under /reports, or null.</summary>
    public string? ReportsDir { get; init; }

    /// <summary>Keep each query photo (re-encoded, at most 1280 px) with its result; otherwise only face crops and embeddings are kept.</summary>
    public bool KeepPhotos { get; init; }

    /// <summary>The access token every request must carry (bearer header or cookie); null for none (loopback only).</summary>
    public string? Token { get; init; }

    /// <summary>Analyses run at once; 0 means one per core.</summary>
    public int MaxAnalyses { get; init; }

    /// <summary>Analyses waiting beyond those running; more are answered 503 with Retry-After. Negative: four per running one.</summary>
    public int QueueLimit { get; init; } = -1;

    /// <summary>The largest upload accepted.</summary>
    public long MaxUploadBytes { get; init; } = 20L * 1024 * 1024;

    /// <summary>How long one request may take before it is cancelled (504).</summary>
    public TimeSpan RequestTimeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>Library options (detector upsample, model options) for the queries.</summary>
    public FaceLibraryOptions? Query { get; init; }

    /// <summary>The analyses that run at once.</summary>
    public int EffectiveMaxAnalyses => MaxAnalyses > 0 ? MaxAnalyses : Environment.ProcessorCount;

    /// <summary>The analyses that may wait.</summary>
    public int EffectiveQueueLimit => QueueLimit >= 0 ? QueueLimit : 4 * EffectiveMaxAnalyses;

    /// <summary>The folder of stored results.</summary>
    public string EffectiveResultsDir => Path.GetFullPath(ResultsDir ?? Path.Combine(Library, "results"));

    /// <summary>What a stored result keeps, in words (stated on every result page).</summary>
    public string KeptDescription => KeepPhotos
        ? "the query photo (re-encoded, at most 1280 px, no metadata), its face crops and their embeddings"
        : "only the query's face crops and their embeddings (the photo itself is not kept)";
}
