using FaceIndex.Datasets;

namespace FaceIndex.Catalog;

/// <summary>
/// A library's catalog for reading and writing, on either backend: datasets, runs, batches of images with their faces,
/// removals and calibrations. The single-writer operations a command needs; PostgreSQL's cooperating-worker protocol
/// (claims, leases, heartbeats, status) stays on <see cref="Postgres.PgCatalog"/>.
/// </summary>
public interface IFaceCatalog : ICatalogReader
{
    /// <summary>Records a dataset, or updates its licence and provenance when it is known (idempotent); returns its id.</summary>
    long RegisterDataset(DatasetInfo info, string rootPath);

    /// <summary>Starts a run over a registered dataset; settings and versions are JSON the caller chooses.</summary>
    long StartRun(string dataset, string? settingsJson = null, string? versionsJson = null);

    /// <summary>Ends a run with its status, counts and timings.</summary>
    void FinishRun(long runId, RunStatus status, string? countsJson = null, string? timingsJson = null);

    /// <summary>
    /// Writes a batch of images with their faces in one transaction; an image already recorded at the same path is
    /// replaced, faces included, and images a removal request covers are recorded as removed, without faces.
    /// </summary>
    CommitSummary CommitBatch(long runId, IReadOnlyList<ImageResult> images);

    /// <summary>Deletes every face of an identity of a dataset, marks its images removed, logs the request and blocks them.</summary>
    RemovalInfo RemoveIdentity(string dataset, string identity, string? reason);

    /// <summary>Deletes one image's faces (and its content's anywhere), marks it removed, logs the request and blocks it.</summary>
    RemovalInfo RemoveImage(string dataset, string relPath, string? reason);

    /// <summary>Stores a calibration for a model (and dataset, when given); returns its id.</summary>
    long AddCalibration(string modelId, string? dataset, double threshold, string chosen, string source, string detailsJson);
}
