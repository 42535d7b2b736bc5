using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Detection;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

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

    /// <summary>The detector this library's photo queries use.</summary>
    public DetectorKind Detector => _options.Detector;

    /// <summary>Query photos larger than this are detected on a copy of this size (0: off).</summary>
    public int DetectMaxSide => _options.DetectMaxSide;

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
