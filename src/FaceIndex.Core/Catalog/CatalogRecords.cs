using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

namespace FaceIndex.Catalog;

/// <summary>What became of one image: indexed with faces, no face found, failed, or removed on request.</summary>
public enum ImageStatus
{
    /// <summary>Decoded and processed; faces (possibly several) were stored.</summary>
    Ok,

    /// <summary>Decoded and processed, but the detector found no face.</summary>
    NoFace,

    /// <summary>Could not be processed; see the error reason.</summary>
    Failed,

    /// <summary>Its faces were deleted by a removal request; it is never indexed again.</summary>
    Removed,
}

/// <summary>How a run ended.</summary>
public enum RunStatus
{
    /// <summary>Still going (or its process died: the next writer marks it interrupted).</summary>
    Running,

    /// <summary>Finished normally.</summary>
    Completed,

    /// <summary>Stopped by the user or by a crash before it finished.</summary>
    Interrupted,

    /// <summary>Stopped by an error.</summary>
    Failed,
}

/// <summary>A face of an image together with whether it is one the image is "about" (see <see cref="SubjectPolicy"/>).</summary>
public sealed record ImageFace(FaceRecord Face, bool IsSubject);

/// <summary>The outcome of processing one image of a dataset, as the pipeline hands it to the catalog.</summary>
/// <param name="RelPath">Path relative to the dataset root, with '/' separators.</param>
/// <param name="Sha256">SHA-256 of the file's bytes (32 bytes).</param>
/// <param name="SizeBytes">The file's size.</param>
/// <param name="Width">Decoded width, or 0 when decoding failed.</param>
/// <param name="Height">Decoded height, or 0 when decoding failed.</param>
/// <param name="Identity">The identity label from the dataset layout, or null.</param>
/// <param name="Status">Ok, NoFace or Failed (Removed is set only by the catalog).</param>
/// <param name="ErrorReason">A machine-readable reason for a failure (e.g. "decode_failed"), else null.</param>
/// <param name="Error">A human-readable message for a failure, else null.</param>
/// <param name="Faces">The faces found, in detection order.</param>
public sealed record ImageResult(
    string RelPath,
    byte[] Sha256,
    long SizeBytes,
    int Width,
    int Height,
    string? Identity,
    ImageStatus Status,
    string? ErrorReason,
    string? Error,
    IReadOnlyList<ImageFace> Faces);

/// <summary>What one <see cref="FaceCatalog.CommitBatch"/> wrote.</summary>
/// <param name="Images">Images written (including blocked ones, recorded as removed).</param>
/// <param name="Faces">Face rows inserted.</param>
/// <param name="Blocked">Images refused because a removal request covers them.</param>
public sealed record CommitSummary(int Images, int Faces, int Blocked);

/// <summary>One image row of the catalog.</summary>
public sealed record StoredImage(
    long Id,
    string Dataset,
    string RelPath,
    byte[]? Sha256,
    long SizeBytes,
    int Width,
    int Height,
    string? Identity,
    ImageStatus Status,
    string? ErrorReason,
    string? Error,
    long? RunId,
    DateTimeOffset IndexedAt,
    int FaceCount);

/// <summary>One face row of the catalog, with the image it came from.</summary>
public sealed record StoredFace(
    long Id,
    long ImageId,
    string Dataset,
    string RelPath,
    string? Identity,
    int FaceIndex,
    FaceBox Box,
    double Score,
    IReadOnlyList<LandmarkPoint> Landmarks,
    string? ModelId,
    float[]? Embedding,
    bool IsSubject);

/// <summary>What a rerun may skip: an image already recorded, by its content fingerprint.</summary>
public sealed record DoneImage(byte[]? Sha256, long SizeBytes, ImageStatus Status);

/// <summary>The images of a dataset that a rerun may skip, keyed by relative path.</summary>
public sealed class DoneImages
{
    private readonly Dictionary<string, DoneImage> _byPath;

    internal DoneImages(Dictionary<string, DoneImage> byPath, bool retryFailed)
    {
        _byPath = byPath;
        RetryFailed = retryFailed;
    }

    /// <summary>Whether failed images are re-processed (otherwise they count as done).</summary>
    public bool RetryFailed { get; }

    /// <summary>How many images are recorded.</summary>
    public int Count => _byPath.Count;

    /// <summary>The recorded state of a path, if any.</summary>
    public DoneImage? Get(string relPath) => _byPath.GetValueOrDefault(relPath);

    /// <summary>True when the file is unchanged (same size and SHA-256) and its outcome is final; removed images are always skipped.</summary>
    public bool ShouldSkip(string relPath, ReadOnlySpan<byte> sha256, long sizeBytes)
    {
        if (!_byPath.TryGetValue(relPath, out var done))
        {
            return false;
        }

        if (done.Status == ImageStatus.Removed)
        {
            return true;
        }

        if (done.Status == ImageStatus.Failed && RetryFailed)
        {
            return false;
        }

        return done.SizeBytes == sizeBytes && done.Sha256 is not null && sha256.SequenceEqual(done.Sha256);
    }
}

/// <summary>One indexing run over a dataset.</summary>
public sealed record RunInfo(
    long Id,
    string Dataset,
    DateTimeOffset StartedAt,
    DateTimeOffset? EndedAt,
    RunStatus Status,
    string? SettingsJson,
    string? VersionsJson,
    string? CountsJson,
    string? TimingsJson);

/// <summary>What a removal request covers.</summary>
public enum RemovalKind
{
    /// <summary>Every image labelled with an identity in one dataset.</summary>
    Identity,

    /// <summary>One image: its path in the dataset and its content hash anywhere in the library.</summary>
    Image,
}

/// <summary>A logged removal request.</summary>
public sealed record RemovalInfo(
    long Id,
    string Dataset,
    RemovalKind Kind,
    string Value,
    byte[]? Sha256,
    string? Reason,
    DateTimeOffset RequestedAt,
    int FacesRemoved,
    int ImagesRemoved);

/// <summary>An identity of a dataset and how much of it the catalog holds.</summary>
public sealed record IdentityCount(string Identity, int Images, int Faces);

/// <summary>The result of <see cref="FaceCatalog.Check"/>: empty lists mean the catalog is consistent.</summary>
public sealed record CatalogCheck(IReadOnlyList<string> IntegrityProblems, IReadOnlyList<string> ForeignKeyProblems)
{
    public bool IsOk => IntegrityProblems.Count == 0 && ForeignKeyProblems.Count == 0;
}

/// <summary>Receives one stored embedding; the span is only valid during the call.</summary>
public delegate void EmbeddingVisitor(long faceId, ReadOnlySpan<float> embedding);
