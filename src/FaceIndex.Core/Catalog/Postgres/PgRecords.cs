namespace FaceIndex.Catalog.Postgres;

/// <summary>How a worker talks to the PostgreSQL catalog.</summary>
/// <param name="MaxOutage">How long an operation keeps retrying while the server is unreachable or restarting.</param>
/// <param name="Lease">How long a claim lasts without a heartbeat; a dead worker's images are claimed again after it.</param>
public sealed record PgCatalogOptions(TimeSpan MaxOutage = default, TimeSpan Lease = default)
{
    /// <summary>The outage a worker rides out (default 10 minutes).</summary>
    public TimeSpan EffectiveMaxOutage => MaxOutage > TimeSpan.Zero ? MaxOutage : TimeSpan.FromMinutes(10);

    /// <summary>The lease (default 2 minutes).</summary>
    public TimeSpan EffectiveLease => Lease > TimeSpan.Zero ? Lease : TimeSpan.FromMinutes(2);
}

/// <summary>An image a worker has claimed: its catalog id, path relative to the dataset root and identity label.</summary>
public sealed record ClaimedImage(long Id, string RelPath, string? Identity);

/// <summary>What one <see cref="PgCatalog.CommitClaimed"/> wrote.</summary>
/// <param name="Images">Images written (blocked ones included, recorded as removed).</param>
/// <param name="Faces">Face rows inserted.</param>
/// <param name="Blocked">Images refused because a removal request covers them.</param>
/// <param name="Dropped">Results not written because this worker no longer held the claim (its lease expired and
/// another worker took the image, or the image was removed meanwhile).</param>
public sealed record PgCommitSummary(int Images, int Faces, int Blocked, int Dropped);

/// <summary>Image counts of one dataset in a PostgreSQL library.</summary>
public sealed record PgDatasetProgress(string Dataset, long Total, long Pending, long Claimed, long Done, long Failed, long Removed, long Faces);

/// <summary>One indexing worker (a run) as the catalog sees it.</summary>
/// <param name="Alive">False when its heartbeat is older than two leases: the process is presumably gone.</param>
public sealed record PgWorker(long RunId, string Dataset, string? Host, int? Pid, DateTimeOffset StartedAt, DateTimeOffset? Heartbeat, int ImagesDone, int FacesDone, double ImagesPerSecond, bool Alive);

/// <summary>The state of a PostgreSQL library: per-dataset counts, workers, an estimate of the time left.</summary>
public sealed record PgStatus(string Library, IReadOnlyList<PgDatasetProgress> Datasets, IReadOnlyList<PgWorker> Workers, TimeSpan? Eta);

/// <summary>A face as the index folder's mirror copies it, with its image.</summary>
internal sealed record PgFaceRow(
    long Id, long ImageId, int FaceIndex, int L, int T, int R, int B, double Score, byte[]? Landmarks, string? Model, int Dimension, byte[]? Embedding, bool IsSubject);

/// <summary>An image row the mirror needs for its faces.</summary>
internal sealed record PgImageRow(
    long Id, long DatasetId, string RelPath, byte[]? Sha256, long SizeBytes, int Width, int Height, string? Identity, string Status, long? IndexedAt);

/// <summary>A dataset row the mirror copies.</summary>
internal sealed record PgDatasetRow(
    long Id, string Name, string RootPath, string Licence, string? SourceUrl, string? Citation, string? ConsentBasis, string Layout, long CreatedAt, string? Notes);
