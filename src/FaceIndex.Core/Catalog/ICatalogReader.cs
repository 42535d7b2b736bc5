namespace FaceIndex.Catalog;

/// <summary>
/// What commands read from a library's catalog, whichever backend holds it: a SQLite folder (<see cref="FaceCatalog"/>)
/// or PostgreSQL (<see cref="Postgres.PgCatalog"/>). Both return the same records for the same committed data; an image
/// a PostgreSQL worker has registered but not yet committed (pending) is not in these reads, as it is not in a SQLite one.
/// </summary>
public interface ICatalogReader : IDisposable
{
    /// <summary>Where the catalog lives, fit for messages: the library folder, or the PostgreSQL URL (never a password).</summary>
    string Location { get; }

    /// <summary>The datasets of the library, by name.</summary>
    IReadOnlyList<StoredDataset> Datasets();

    /// <summary>A dataset by name, or null.</summary>
    StoredDataset? GetDataset(string name);

    /// <summary>Runs, newest first (all datasets when <paramref name="dataset"/> is null).</summary>
    IReadOnlyList<RunInfo> Runs(string? dataset = null);

    /// <summary>An image by its dataset and relative path, or null.</summary>
    StoredImage? GetImage(string dataset, string relPath);

    /// <summary>An image by id, or null.</summary>
    StoredImage? GetImageById(long imageId);

    /// <summary>The faces of one image, in detection order.</summary>
    IReadOnlyList<StoredFace> FacesOfImage(long imageId);

    /// <summary>The faces of one identity of a dataset, by image path, at most <paramref name="limit"/>.</summary>
    IReadOnlyList<StoredFace> FacesOfIdentity(string dataset, string identity, int limit = 500);

    /// <summary>A face by id (with its embedding), or null when there is none (never stored, or removed).</summary>
    StoredFace? GetFace(long faceId);

    /// <summary>The faces of <paramref name="faceIds"/> still in the catalog, by id.</summary>
    IReadOnlyDictionary<long, StoredFace> GetFaces(IReadOnlyList<long> faceIds);

    /// <summary>The number of faces stored.</summary>
    long FaceCount();

    /// <summary>The highest face id ever assigned (ids are never reused), or 0.</summary>
    long MaxFaceId();

    /// <summary>How many faces have an id above <paramref name="faceId"/>.</summary>
    long CountFacesAfter(long faceId);

    /// <summary>Image counts per status (all datasets when <paramref name="dataset"/> is null).</summary>
    IReadOnlyDictionary<ImageStatus, long> CountByStatus(string? dataset = null);

    /// <summary>Failed-image counts per machine-readable reason.</summary>
    IReadOnlyDictionary<string, long> CountByFailureReason(string? dataset = null);

    /// <summary>Every failed image with its reason and message, by dataset and path.</summary>
    IReadOnlyList<StoredImage> FailedImages(string? dataset = null);

    /// <summary>The identities of a dataset with their image and face counts, by name (ordinal).</summary>
    IReadOnlyList<IdentityCount> Identities(string dataset);

    /// <summary>What a rerun of a dataset may skip: every recorded image with its size and hash.</summary>
    DoneImages LoadDone(string dataset, bool retryFailed = false);

    /// <summary>Streams (face id, embedding) of a model in id order from ids above <paramref name="afterFaceId"/>; returns the number visited.</summary>
    long VisitEmbeddings(string modelId, long afterFaceId, EmbeddingVisitor visitor, bool subjectsOnly = false);

    /// <summary>The embeddings of those of <paramref name="faceIds"/> still in the catalog, by id.</summary>
    void ReadEmbeddings(ReadOnlySpan<long> faceIds, Dictionary<long, float[]> into);

    /// <summary>The subject faces of a dataset that have an identity label, with their embeddings, in face-id order.</summary>
    IReadOnlyList<(long FaceId, string Identity, float[] Embedding)> LabelledSubjects(string dataset, string modelId);

    /// <summary>The logged removal requests, oldest first (all datasets when <paramref name="dataset"/> is null).</summary>
    IReadOnlyList<RemovalInfo> Removals(string? dataset = null);

    /// <summary>True when a removal request covers this image: its identity or path in the dataset, or its content anywhere.</summary>
    bool IsBlocked(string dataset, string relPath, ReadOnlySpan<byte> sha256, string? identity);

    /// <summary>The calibration in force for a model (and dataset), or null.</summary>
    StoredCalibration? CurrentCalibration(string modelId, string? dataset = null);

    /// <summary>The calibration in force for every scope, newest first.</summary>
    IReadOnlyList<StoredCalibration> CurrentCalibrations();
}
