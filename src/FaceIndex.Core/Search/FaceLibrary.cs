using System.Numerics.Tensors;
using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>Distances between embeddings, and the threshold at which two faces are called the same person.</summary>
public static class FaceDistance
{
    /// <summary>
    /// Same person when the Euclidean distance of the raw (not normalised) embeddings is below this: dlib's own
    /// threshold for this network, confirmed on the development pairs (see README, "Verification threshold").
    /// </summary>
    public const float SameThreshold = 0.6f;

    /// <summary>Euclidean distance of the raw embeddings (what the index ranks by).</summary>
    public static float Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);

    /// <summary>Cosine similarity in [-1, 1], reported beside the distance for readers used to it.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);
}

/// <summary>How to pick the query faces of a photo.</summary>
public enum QueryFaces
{
    /// <summary>Every face in the photo.</summary>
    All,

    /// <summary>The largest face only.</summary>
    Largest,
}

/// <summary>One indexed face returned for a query.</summary>
public sealed record FaceHit(
    int Rank,
    long FaceId,
    string Dataset,
    string ImagePath,
    string? Identity,
    FaceBox Box,
    float Distance,
    float Similarity,
    bool SamePerson);

/// <summary>One face of the query photo with its nearest indexed faces (and its 68 landmarks, where the query kept them).</summary>
public sealed record QueryFace(int FaceIndex, FaceBox Box, double Score, IReadOnlyList<FaceHit> Hits, IReadOnlyList<LandmarkPoint>? Landmarks = null)
{
    /// <summary>True when no hit is within the same-person threshold: the face is of nobody indexed (open-set answer).</summary>
    public bool NoIndexedIdentity => Hits.Count == 0 || !Hits[0].SamePerson;
}

/// <summary>The answer to a photo query: the photo and, for each of its query faces, the hits.</summary>
public sealed record QueryResult(string Photo, int Width, int Height, IReadOnlyList<QueryFace> Faces)
{
    /// <summary>The same-person threshold the hits were decided with, and where it came from.</summary>
    public ResolvedThreshold? Threshold { get; init; }
}

/// <summary>Options of <see cref="FaceLibrary.Open"/>.</summary>
/// <param name="Engine">Model options (flip TTA must match the indexed model id); null for defaults.</param>
/// <param name="Upsample">Detector upsample for query photos (1 finds faces down to ~40 px).</param>
/// <param name="Search">Index options used when the index has to be rebuilt.</param>
/// <param name="Log">Receives messages such as 'rebuilding the index'.</param>
/// <param name="DetectMaxSide">Query photos larger than this are detected on a copy of this size (see <see cref="PipelineOptions.DetectMaxSide"/>); 0 turns it off.</param>
/// <param name="Detector">The face detector for query photos.</param>
public sealed record FaceLibraryOptions(EngineOptions? Engine = null, int Upsample = 1, SearchIndexOptions? Search = null, Action<string>? Log = null, int DetectMaxSide = 640, DetectorKind Detector = DetectorKind.HogThenSsd);

/// <summary>
/// A FaceIndex library folder (catalog + face index) opened for queries:
/// <c>using var library = FaceLibrary.Open(dir); var result = library.Query(photoPath, k: 10);</c>.
/// A reader: the catalog is opened read-only and no lock is taken, so any number run beside each other and beside
/// one indexer; each query sees faces committed since (and a new index build once it is renamed into place).
/// Not thread-safe: open one per thread (they can share one <see cref="FaceEngine"/>).
/// </summary>
public sealed partial class FaceLibrary : IDisposable
{
    private readonly FaceCatalog _catalog;
    private readonly FaceLibraryOptions _options;
    private readonly bool _ownsEngine;
    private FaceEngine? _engine;
    private FaceSearchIndex? _index;
    private readonly Dictionary<string, ResolvedThreshold> _thresholds = new(StringComparer.Ordinal);

    private FaceLibrary(FaceCatalog catalog, FaceLibraryOptions options, FaceEngine? engine)
    {
        _catalog = catalog;
        _options = options;
        _engine = engine;
        _ownsEngine = engine is null;
    }

    public FaceCatalog Catalog => _catalog;

    /// <summary>The face index of the query model (loaded, or rebuilt when missing or stale, on first use); a model the library holds no embeddings of is refused, saying how to add them.</summary>
    public FaceSearchIndex Index => _index ??= OpenIndex();

    /// <summary>The embedder model id the queries use.</summary>
    public string ModelId => Engine.Embedder.ModelId;

    /// <summary>The models (loaded on first use).</summary>
    public FaceEngine Engine => _engine ??= FaceEngine.Load(_options.Engine);

    /// <summary>A same-person threshold that overrides the library's calibration (null: use <see cref="SameThreshold"/>'s resolution).</summary>
    public double? ThresholdOverride
    {
        get;
        set
        {
            field = value;
            _thresholds.Clear();
        }
    }

    /// <summary>The threshold hits are called the same person below, for a query of <paramref name="dataset"/> (or of all): see <see cref="ThresholdResolver"/>.</summary>
    public ResolvedThreshold SameThreshold(string? dataset = null)
    {
        var key = dataset ?? string.Empty;
        if (!_thresholds.TryGetValue(key, out var resolved))
        {
            resolved = ResolveThreshold(dataset);
            _thresholds[key] = resolved;
        }

        return resolved;
    }

    /// <summary>Opens the library at <paramref name="library"/> for reading (no writer lock; a missing index is searched exactly, never rebuilt here).</summary>
    public static FaceLibrary Open(string library, FaceLibraryOptions? options = null, FaceEngine? engine = null) =>
        new(OpenCatalog(library, readOnly: true), options ?? new FaceLibraryOptions(), engine);

    /// <summary>The catalog of an existing library; a folder without one is refused with what to do.</summary>
    public static FaceCatalog OpenCatalog(string library, bool readOnly = false)
    {
        if (FaceIndex.Catalog.Postgres.PgLibrary.IsPostgres(library))
        {
            return FaceCatalog.Open(library); // Refuses, saying which commands take a PostgreSQL library.
        }

        var full = Path.GetFullPath(library);
        if (!File.Exists(Path.Combine(full, FaceCatalog.FileName)))
        {
            throw new FaceIndexException($"no FaceIndex library at {full} (no {FaceCatalog.FileName}): index a dataset into it first ('faceindex index DIR --dataset NAME --library {library}')");
        }

        if (!readOnly)
        {
            return FaceCatalog.Open(full, new CatalogOpenOptions(Create: false));
        }

        try
        {
            return FaceCatalog.Open(full, new CatalogOpenOptions(ReadOnly: true, Create: false));
        }
        catch (CatalogUpgradeNeededException)
        {
            // A library written by an older FaceIndex: a short writer open migrates it (each version step is one
            // transaction), then the reader goes on without a lock. A writer already holding the lock migrated
            // it when it opened; a folder this user cannot write keeps the message that says what to do.
            try
            {
                using var upgrade = FaceCatalog.Open(full, new CatalogOpenOptions(Create: false));
            }
            catch (CatalogLockedException)
            {
            }

            return FaceCatalog.Open(full, new CatalogOpenOptions(ReadOnly: true, Create: false));
        }
    }

    /// <summary>Finds the faces in <paramref name="photoPath"/> and, for each, the <paramref name="k"/> most similar indexed faces.</summary>
    public QueryResult Query(string photoPath, int k = 10, QueryFaces faces = QueryFaces.All, int? faceIndex = null, string? dataset = null)
    {
        var analysis = Engine.Analyze(photoPath, new PipelineOptions(Upsample: _options.Upsample, DetectMaxSide: _options.DetectMaxSide, Detector: _options.Detector));
        if (analysis.Faces.Count == 0)
        {
            throw new FaceIndexException($"no face found in {photoPath} (detector {_options.Detector.Name()}, upsample {_options.Upsample}): use a photo where the face is at least ~40 pixels wide and roughly frontal, or the SSD detector for turned faces");
        }

        IEnumerable<FaceRecord> chosen = analysis.Faces;
        if (faceIndex is { } wanted)
        {
            if (wanted < 0 || wanted >= analysis.Faces.Count)
            {
                throw new FaceIndexException($"{photoPath} has {analysis.Faces.Count} face(s), numbered 0..{analysis.Faces.Count - 1} from the left; --face {wanted} is not one of them");
            }

            chosen = [analysis.Faces[wanted]];
        }
        else if (faces == QueryFaces.Largest)
        {
            chosen = [analysis.Faces.MaxBy(f => f.Box.Area)!];
        }

        var results = chosen.Select(f => new QueryFace(f.Index, f.Box, f.Score, QueryVector(f.Embedding!, k, dataset))).ToList();
        return new QueryResult(photoPath, analysis.Image.Image.Width, analysis.Image.Image.Height, results) { Threshold = SameThreshold(dataset) };
    }

    /// <summary>The <paramref name="k"/> faces most similar to the indexed face <paramref name="faceId"/> (itself excluded).</summary>
    public IReadOnlyList<FaceHit> QueryByFaceId(long faceId, int k = 10, string? dataset = null)
    {
        return QueryVector(StoredEmbedding(faceId), k, dataset, exclude: faceId);
    }

    /// <summary>The <paramref name="k"/> faces nearest to an embedding, optionally only from one dataset.</summary>
    public IReadOnlyList<FaceHit> QueryVector(ReadOnlySpan<float> embedding, int k = 10, string? dataset = null, long? exclude = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var query = ToLibrarySpace(embedding.ToArray());
        var fetch = k + (exclude is null ? 0 : 1);
        var hits = new List<FaceHit>(k);
        var same = SameThreshold(dataset).Value;
        var index = CurrentIndex();
        while (true)
        {
            var raw = index.Search(query, dataset is null ? fetch : fetch * 4);
            var stored = _catalog.GetFaces([.. raw.Select(h => h.FaceId)]);
            var vectors = ModelVectors(stored);
            hits.Clear();
            foreach (var hit in raw)
            {
                if (hit.FaceId == exclude || !stored.TryGetValue(hit.FaceId, out var face) || (dataset is not null && face.Dataset != dataset))
                {
                    continue;
                }

                var similarity = vectors.TryGetValue(face.Id, out var vector) ? FaceDistance.Cosine(query, vector) : float.NaN;
                hits.Add(new FaceHit(hits.Count + 1, face.Id, face.Dataset, face.RelPath, face.Identity, face.Box, hit.Distance, similarity, hit.Distance < same));
                if (hits.Count == k)
                {
                    return hits;
                }
            }

            if (raw.Count < (dataset is null ? fetch : fetch * 4) || fetch > 100_000)
            {
                return hits;
            }

            fetch *= 4;
        }
    }

    /// <summary>The index, caught up with what writers committed or renamed into place since the last query.</summary>
    private FaceSearchIndex CurrentIndex()
    {
        if (_index is null)
        {
            return Index;
        }

        var current = _index.Refresh(_options.Log);
        if (!ReferenceEquals(current, _index))
        {
            _index.Dispose();
            _index = current;
        }

        return current;
    }

    public void Dispose()
    {
        _index?.Dispose();
        _catalog.Dispose();
        if (_ownsEngine)
        {
            _engine?.Dispose();
        }
    }
}
