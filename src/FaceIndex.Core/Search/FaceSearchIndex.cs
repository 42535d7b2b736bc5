using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using System.Text.Json;
using FaceIndex.Annoy;
using FaceIndex.Catalog;
using FaceIndex.Search.Hnsw;

namespace FaceIndex.Search;

/// <summary>How the face index is built and searched.</summary>
/// <param name="Trees">Annoy trees; 0 means 10, which keeps catalog + index near 1.5 KB/face at 1M faces (measured: bench/million).</param>
/// <param name="TargetRecall">The recall@10 against exact search that searchK (Annoy) or ef (HNSW) is tuned to reach.</param>
/// <param name="RecallQueries">How many indexed faces (seeded sample) the recall is measured on; each finds itself, which is not counted.</param>
/// <param name="Seed">Annoy's seed and the sample's.</param>
/// <param name="Threads">Build threads; 0 means one per core.</param>
/// <param name="Kind">Annoy, HNSW, or by size (<see cref="HnswFromFaces"/>).</param>
/// <param name="Hnsw">HNSW graph parameters; null for the defaults (M 16, efConstruction 128, float16 vectors).</param>
public sealed record SearchIndexOptions(
    int Trees = 0,
    double TargetRecall = 0.99,
    int RecallQueries = 500,
    int Seed = 42,
    int Threads = 0,
    AnnKind Kind = AnnKind.Auto,
    HnswParameters? Hnsw = null)
{
    /// <summary>
    /// From this many faces <see cref="AnnKind.Auto"/> builds HNSW. Below it Annoy reaches the recall target well
    /// under a millisecond with smaller files and builds several times faster; at 1M faces only HNSW meets the p99 goal.
    /// </summary>
    public const int HnswFromFaces = 100_000;

    /// <summary>The kind built for a catalog of <paramref name="faces"/> faces.</summary>
    public AnnKind KindFor(long faces) => Kind switch
    {
        AnnKind.Auto => faces >= HnswFromFaces ? AnnKind.Hnsw : AnnKind.Annoy,
        var kind => kind,
    };
}

/// <summary>What a saved index covers and how it was tuned; written last, so its presence marks a complete index.</summary>
/// <param name="Kind">"annoy" or "hnsw".</param>
/// <param name="Metric">"euclidean", or for a cosine model "cosine (Euclidean on unit vectors)"; descriptions written before that said
/// "euclidean" for both (<see cref="LibraryModels.WithTrueMetric"/> reads them truthfully).</param>
/// <param name="Engine">The library that built it and its version.</param>
/// <param name="Trees">Annoy: trees (0 for HNSW).</param>
/// <param name="SearchK">Annoy: the tuned searchK (0 for HNSW).</param>
/// <param name="Connectivity">HNSW: M (0 for Annoy).</param>
/// <param name="ExpansionAdd">HNSW: efConstruction (0 for Annoy).</param>
/// <param name="ExpansionSearch">HNSW: the tuned ef (0 for Annoy).</param>
/// <param name="HalfPrecision">HNSW: vectors stored as float16 (candidates are re-measured in float32 from the catalog).</param>
/// <param name="RecallAt10">Measured recall@10 against exact search on sampled indexed faces, the face itself not counted.</param>
/// <param name="Tuning">Why the tuning stopped where it did: the target reached, or a doubling of effort that bought too little.</param>
/// <param name="IndexFile">The index file (faces.ann or faces.hnsw) and <paramref name="IndexBytes"/> its size.</param>
public sealed record IndexMeta(
    int FormatVersion,
    string ModelId,
    string Kind,
    string Engine,
    string Metric,
    int Dimension,
    int Items,
    long MaxFaceId,
    int Trees,
    int SearchK,
    int Connectivity,
    int ExpansionAdd,
    int ExpansionSearch,
    bool HalfPrecision,
    double RecallAt10,
    string Tuning,
    int RecallQueries,
    int Seed,
    int Threads,
    string IndexFile,
    long IndexBytes,
    double BuildSeconds,
    DateTimeOffset BuiltAt)
{
    public const string AnnoyKind = "annoy";
    public const string HnswKind = "hnsw";

    /// <summary>The metric of a model compared by Euclidean distance on its raw embeddings.</summary>
    public const string EuclideanMetric = "euclidean";

    /// <summary>The metric of a cosine model's index: its embeddings are stored as unit vectors, where Euclidean order is cosine order.</summary>
    public const string UnitCosineMetric = "cosine (Euclidean on unit vectors)";

    public bool IsHnsw => string.Equals(Kind, HnswKind, StringComparison.Ordinal);

    /// <summary>The tuned search effort: ef for HNSW, searchK for Annoy.</summary>
    public int Effort => IsHnsw ? ExpansionSearch : SearchK;

    /// <summary>One line: kind, parameters and metric, e.g. "HNSW (USearch 2.26.6), M 16, efConstruction 128, ef 64, float16, euclidean".</summary>
    public string Describe() => IsHnsw
        ? string.Create(CultureInfo.InvariantCulture, $"HNSW ({Engine}), M {Connectivity}, efConstruction {ExpansionAdd}, ef {ExpansionSearch}{(HalfPrecision ? ", float16" : "")}, {Metric}")
        : string.Create(CultureInfo.InvariantCulture, $"Annoy ({Engine}), {Trees} trees, searchK {SearchK}, {Metric}");
}

/// <summary>One nearest face: its catalog id and Euclidean distance to the query.</summary>
public readonly record struct SearchHit(long FaceId, float Distance);

/// <summary>
/// The face index: an approximate index (Annoy or HNSW, Euclidean, on the raw embeddings) over the catalog's faces
/// up to a catalog position, plus an exact search over the faces added since (the delta), so a query always sees
/// every face. Candidates are re-measured exactly with their catalog embeddings, which also drops faces removed from
/// the catalog at once, before any rebuild.
/// </summary>
public sealed partial class FaceSearchIndex : IDisposable
{
    public const string AnnFile = "faces.ann";
    public const string IdsFile = "faces.ids";
    public const string HnswFile = "faces.hnsw";
    public const string MetaFile = "faces.meta.json";
    private const int CurrentFormat = 2;
    private const int K = 10;

    /// <summary>The least recall@10 a doubling of the search effort must buy to be taken when the target is not yet reached.</summary>
    private const double MinRecallGain = 0.002;

    private static readonly JsonSerializerOptions MetaJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly FaceCatalog _catalog;
    private readonly IAnnPart? _ann;
    private long[] _deltaIds;
    private float[] _deltaVectors;

    // What a reader last saw (see Refresh): the faces covered (index + delta), the catalog's data_version, the meta file's stamp.
    private long _coveredUpTo;
    private long _dataVersion;
    private (long Ticks, long Length) _metaStamp;

    private FaceSearchIndex(FaceCatalog catalog, string modelId, IndexMeta? meta, IAnnPart? ann, long[] deltaIds, float[] deltaVectors)
    {
        _catalog = catalog;
        ModelId = modelId;
        Folder = FolderFor(catalog, modelId);
        Meta = meta;
        _ann = ann;
        _deltaIds = deltaIds;
        _deltaVectors = deltaVectors;
        _coveredUpTo = deltaIds.Length > 0 ? deltaIds[^1] : meta?.MaxFaceId ?? 0;
    }

    public string ModelId { get; }

    /// <summary>The library folder whose catalog this index searches.</summary>
    public string Library => _catalog.Library;

    /// <summary>The saved index's description, or null when there is no approximate part (an empty catalog).</summary>
    public IndexMeta? Meta { get; }

    /// <summary>Faces searched exactly because they were added after the last build.</summary>
    public int DeltaCount => _deltaIds.Length;

    /// <summary>Faces in the approximate part.</summary>
    public int IndexedCount => _ann?.Count ?? 0;

    /// <summary>Opens the saved index of <paramref name="catalog"/>'s library; a missing, stale or damaged one is rebuilt (said through <paramref name="log"/>) when the catalog is writable.</summary>
    public static FaceSearchIndex Open(FaceCatalog catalog, string modelId, SearchIndexOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new SearchIndexOptions();
        if (catalog.IsReadOnly)
        {
            return OpenReader(catalog, modelId, log);
        }

        var folder = FolderFor(catalog, modelId);
        var problem = Validate(folder, modelId, out var meta);
        if (problem is not null)
        {
            if (!catalog.HasEmbeddings(modelId))
            {
                return new FaceSearchIndex(catalog, modelId, null, null, [], []);
            }

            if (catalog.IsReadOnly)
            {
                log?.Invoke($"the face index {problem}; the catalog is read-only, so faces are searched exactly this time");
                return LoadDelta(catalog, modelId, null, null, afterFaceId: 0);
            }

            log?.Invoke($"the face index {problem}: rebuilding it from the catalog");
            meta = Build(catalog, modelId, options, log);
        }

        IAnnPart ann;
        try
        {
            ann = OpenPart(folder, meta!);
        }
        catch (Exception ex) when (ex is AnnoyException or IOException or HnswException)
        {
            if (catalog.IsReadOnly)
            {
                throw new FaceIndexException($"the face index in {catalog.Library} is damaged ({ex.Message}) and the catalog is read-only: run 'faceindex index' or 'faceindex info --rebuild' with write access", ex);
            }

            log?.Invoke($"the face index file could not be loaded ({ex.Message}): rebuilding it from the catalog");
            meta = Build(catalog, modelId, options, log);
            ann = OpenPart(folder, meta);
        }

        return LoadDelta(catalog, modelId, meta, ann, meta!.MaxFaceId);
    }

    /// <summary>
    /// Builds the index over every face of <paramref name="modelId"/> in the catalog (Annoy or HNSW, see
    /// <see cref="SearchIndexOptions.KindFor"/>), tunes its search effort by measured recall, and saves it atomically.
    /// </summary>
    public static IndexMeta Build(FaceCatalog catalog, string modelId, SearchIndexOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new SearchIndexOptions();
        var clock = Stopwatch.StartNew();
        if (!catalog.IsReadOnly)
        {
            catalog.Checkpoint();
        }

        var ids = new List<long>();
        var vectors = new List<float[]>();
        var dimension = 0;
        catalog.VisitEmbeddings(modelId, 0, (faceId, embedding) =>
        {
            dimension = embedding.Length;
            ids.Add(faceId);
            vectors.Add(embedding.ToArray());
        });
        if (ids.Count == 0)
        {
            throw new FaceIndexException($"the catalog in {catalog.Library} has no faces embedded with {modelId}: index a dataset first ('faceindex index DIR --dataset NAME')");
        }

        var maxFaceId = ids[^1];
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var library = FolderFor(catalog, modelId);
        Directory.CreateDirectory(library);
        var kind = options.KindFor(ids.Count);
        var sample = Sample(ids.Count, options);

        // HNSW links every node to its nearest neighbours, so an indexed face finds them more easily than a new photo
        // would: the sampled faces (at most a tenth of the faces) are held out of the graph while it is tuned, and
        // added afterwards. Annoy cannot add after a build; its sampled faces stay in (tree search gains little from that).
        if (kind == AnnKind.Hnsw && ids.Count >= 10 * K)
        {
            sample = sample[..Math.Min(sample.Length, ids.Count / 10)];
        }

        var heldOut = kind == AnnKind.Hnsw && ids.Count >= 10 * K ? sample.ToHashSet() : [];
        var truth = ExactTruth(vectors, sample, heldOut, threads);
        var built = kind == AnnKind.Hnsw
            ? BuildHnsw(library, ids, vectors, dimension, options, threads, sample, heldOut, truth)
            : BuildAnnoy(library, ids, vectors, dimension, options, threads, sample, truth);

        var meta = built with
        {
            FormatVersion = CurrentFormat,
            ModelId = modelId,
            Metric = LibraryModels.IndexMetric(catalog.Library, modelId),
            Dimension = dimension,
            Items = ids.Count,
            MaxFaceId = maxFaceId,
            RecallQueries = sample.Length,
            Seed = options.Seed,
            Threads = threads,
            IndexBytes = new FileInfo(Path.Combine(library, built.IndexFile + ".tmp")).Length,
            BuildSeconds = Math.Round(clock.Elapsed.TotalSeconds, 3),
            BuiltAt = DateTimeOffset.UtcNow,
        };

        // Meta goes last: it names the files it covers, so a crash between the renames leaves a detectable mismatch.
        File.Delete(Path.Combine(library, MetaFile));
        File.Move(Path.Combine(library, meta.IndexFile + ".tmp"), Path.Combine(library, meta.IndexFile), overwrite: true);
        if (meta.IsHnsw)
        {
            File.Delete(Path.Combine(library, AnnFile));
            File.Delete(Path.Combine(library, IdsFile));
        }
        else
        {
            File.Move(Path.Combine(library, IdsFile + ".tmp"), Path.Combine(library, IdsFile), overwrite: true);
            File.Delete(Path.Combine(library, HnswFile));
        }

        var tmpMeta = Path.Combine(library, MetaFile + ".tmp");
        File.WriteAllText(tmpMeta, JsonSerializer.Serialize(meta, MetaJson));
        File.Move(tmpMeta, Path.Combine(library, MetaFile), overwrite: true);
        log?.Invoke($"face index built: {ids.Count:N0} faces of {modelId}, {meta.Describe()} (recall@10 {meta.RecallAt10:F3} on {meta.RecallQueries} indexed faces, themselves not counted; {meta.Tuning}), {clock.Elapsed.TotalSeconds:F1} s");
        return meta;
    }

    /// <summary>
    /// The saved index when it is intact, of the kind <paramref name="options"/> asks for, and covers exactly the
    /// catalog's faces (none added or removed since it was built); otherwise a new <see cref="Build"/>. A rerun that
    /// changed nothing so skips a rebuild, which takes minutes at a million faces.
    /// </summary>
    public static IndexMeta BuildIfChanged(FaceCatalog catalog, string modelId, SearchIndexOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new SearchIndexOptions();
        if (Validate(FolderFor(catalog, modelId), modelId, out var meta) is null
            && meta!.IsHnsw == (options.KindFor(meta.Items) == AnnKind.Hnsw)
            && catalog.CountEmbeddings(modelId, meta.MaxFaceId) == 0
            && catalog.CountEmbeddings(modelId) == meta.Items)
        {
            log?.Invoke($"face index up to date: {meta.Items:N0} faces, {meta.Describe()} (no face added or removed since {meta.BuiltAt:yyyy-MM-dd HH:mm} UTC)");
            return meta;
        }

        return Build(catalog, modelId, options, log);
    }

    /// <summary>The saved index's description in a folder (the library's, for its default model: see <see cref="FolderFor"/>), or null when there is none.</summary>
    public static IndexMeta? ReadMeta(string library)
    {
        var path = Path.Combine(library, MetaFile);
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            return JsonSerializer.Deserialize<IndexMeta>(File.ReadAllText(path), MetaJson);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>
    /// The <paramref name="k"/> nearest faces to <paramref name="query"/>, nearest first, removed faces excluded.
    /// <paramref name="effort"/> overrides the tuned searchK (Annoy) or ef (HNSW).
    /// </summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, int? effort = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var hits = new List<SearchHit>(k * 2);
        if (_ann is not null && _ann.Count > 0)
        {
            var want = k;
            var embeddings = new Dictionary<long, float[]>(k * 2);
            while (true)
            {
                var n = Math.Min(want, _ann.Count);
                var candidates = new long[n];
                var found = _ann.Search(query, effort ?? Meta!.Effort, candidates);

                // One catalog read re-measures the candidates exactly (HNSW keeps float16) and drops removed faces.
                embeddings.Clear();
                _catalog.ReadEmbeddings(ModelId, candidates.AsSpan(0, found), embeddings);
                hits.Clear();
                for (var i = 0; i < found; i++)
                {
                    if (embeddings.TryGetValue(candidates[i], out var embedding) && embedding.Length == query.Length)
                    {
                        hits.Add(new SearchHit(candidates[i], TensorPrimitives.Distance(query, embedding)));
                    }
                }

                if (hits.Count >= k || found < n || n == _ann.Count)
                {
                    break;
                }

                want = n * 2;
            }
        }

        if (_deltaIds.Length > 0)
        {
            AddDeltaHits(query, k, hits);
        }

        hits.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.FaceId.CompareTo(b.FaceId));
        return hits.Count > k ? hits.GetRange(0, k) : hits;
    }

    public void Dispose() => _ann?.Dispose();

    private static IAnnPart OpenPart(string library, IndexMeta meta)
    {
        if (meta.IsHnsw)
        {
            var hnsw = HnswIndex.Open(Path.Combine(library, HnswFile), view: true);
            try
            {
                if (hnsw.Count != meta.Items || hnsw.Dimensions != meta.Dimension)
                {
                    throw new HnswException($"{HnswFile} holds {hnsw.Count:N0} {hnsw.Dimensions}-d vectors, its description says {meta.Items:N0} {meta.Dimension}-d");
                }

                hnsw.ExpansionSearch = meta.ExpansionSearch;
                return new HnswPart(hnsw, meta.ExpansionSearch);
            }
            catch
            {
                hnsw.Dispose();
                throw;
            }
        }

        var annoy = new AnnoyIndex(meta.Dimension, AnnoyMetric.Euclidean);
        try
        {
            annoy.Load(Path.Combine(library, AnnFile));
            return new AnnoyPart(annoy, ReadIds(Path.Combine(library, IdsFile)), meta.Trees);
        }
        catch
        {
            annoy.Dispose();
            throw;
        }
    }

    private static IndexMeta BuildAnnoy(string library, List<long> ids, List<float[]> vectors, int dimension, SearchIndexOptions options, int threads, int[] sample, int[][] truth)
    {
        var trees = options.Trees > 0 ? options.Trees : 10;
        var tmpAnn = Path.Combine(library, AnnFile + ".tmp");
        File.Delete(tmpAnn);
        var annoy = new AnnoyIndex(dimension, AnnoyMetric.Euclidean) { Seed = (ulong)options.Seed };
        for (var i = 0; i < ids.Count; i++)
        {
            annoy.AddItem(i, vectors[i]);
        }

        annoy.Build(trees, threads);
        using var part = new AnnoyPart(annoy, [.. ids], trees);
        var ladder = Enumerable.Range(0, 9).Select(f => K * trees << f).TakeWhile(searchK => searchK < ids.Count * trees * 2).ToArray();
        var (searchK, recall, stop) = Tune(part, ladder, ids, vectors, sample, truth, options.TargetRecall);
        annoy.Save(tmpAnn);
        WriteIds(Path.Combine(library, IdsFile + ".tmp"), ids);
        return Describe(IndexMeta.AnnoyKind, "FaceIndex.Annoy, spotify/annoy 1.17.3 file format", AnnFile, recall, stop) with { Trees = trees, SearchK = searchK };
    }

    private static IndexMeta BuildHnsw(string library, List<long> ids, List<float[]> vectors, int dimension, SearchIndexOptions options, int threads, int[] sample, HashSet<int> heldOut, int[][] truth)
    {
        var parameters = options.Hnsw ?? new HnswParameters();
        var tmp = Path.Combine(library, HnswFile + ".tmp");
        File.Delete(tmp);
        var hnsw = HnswIndex.Create(dimension, parameters, threads);
        using var part = new HnswPart(hnsw, hnsw.ExpansionSearch);
        hnsw.Reserve(ids.Count);
        var parallel = new ParallelOptions { MaxDegreeOfParallelism = threads };
        Parallel.For(0, ids.Count, parallel, i =>
        {
            if (!heldOut.Contains(i))
            {
                hnsw.Add((ulong)ids[i], vectors[i]);
            }
        });
        var ladder = Enumerable.Range(0, 9).Select(f => 16 << f).TakeWhile(ef => ef < ids.Count * 2).ToArray();
        var (ef, recall, stop) = Tune(part, ladder, ids, vectors, sample, truth, options.TargetRecall);
        foreach (var i in heldOut.Order())
        {
            hnsw.Add((ulong)ids[i], vectors[i]);
        }

        hnsw.ExpansionSearch = ef;
        hnsw.Save(tmp);
        if (heldOut.Count > 0)
        {
            stop += "; the sampled faces were held out of the graph while it was tuned";
        }

        return Describe(IndexMeta.HnswKind, $"USearch {HnswIndex.LibraryVersion}", HnswFile, recall, stop) with
        {
            Connectivity = parameters.Connectivity,
            ExpansionAdd = parameters.ExpansionAdd,
            ExpansionSearch = ef,
            HalfPrecision = parameters.HalfPrecision,
        };
    }

    private static IndexMeta Describe(string kind, string engine, string file, double recall, string tuning) =>
        new(0, "", kind, engine, "", 0, 0, 0, 0, 0, 0, 0, 0, false, recall, tuning, 0, 0, 0, file, 0, 0, default);

    /// <summary>The seeded sample of positions whose faces are the recall queries.</summary>
    private static int[] Sample(int n, SearchIndexOptions options)
    {
        var random = new Random(options.Seed);
        return [.. Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(Math.Min(options.RecallQueries, n))];
    }

    /// <summary>For each sampled face, the positions of its exact 10 nearest faces (itself among them), other held-out faces not considered.</summary>
    private static int[][] ExactTruth(List<float[]> vectors, int[] sample, HashSet<int> heldOut, int threads)
    {
        var truth = new int[sample.Length][];
        Parallel.For(0, sample.Length, new ParallelOptions { MaxDegreeOfParallelism = threads }, s =>
        {
            var query = vectors[sample[s]];
            var best = new PriorityQueue<int, float>(Comparer<float>.Create((a, b) => b.CompareTo(a)));
            for (var i = 0; i < vectors.Count; i++)
            {
                if (i != sample[s] && heldOut.Contains(i))
                {
                    continue;
                }

                var d = TensorPrimitives.Distance(query, vectors[i]);
                if (best.Count < K)
                {
                    best.Enqueue(i, d);
                }
                else if (best.TryPeek(out _, out var worst) && d < worst)
                {
                    best.DequeueEnqueue(i, d);
                }
            }

            truth[s] = [.. best.UnorderedItems.Select(x => x.Element)];
        });
        return truth;
    }

    /// <summary>
    /// Walks up the ladder of efforts (each double the last) and stops at the first whose recall@10
    /// reaches the target, or, when doubling the effort gains less than <see cref="MinRecallGain"/>, at the effort
    /// before that doubling (more effort would cost latency for next to nothing), or at the ladder's end.
    /// </summary>
    private static (int Effort, double Recall, string Stop) Tune(IAnnPart part, int[] ladder, List<long> ids, List<float[]> vectors, int[] sample, int[][] truth, double target)
    {
        if (ladder.Length == 0)
        {
            ladder = [K];
        }

        var found = new long[K];
        var recall = 0.0;
        (int Effort, double Recall)? previous = null;
        foreach (var effort in ladder)
        {
            int hit = 0, total = 0;
            for (var s = 0; s < sample.Length; s++)
            {
                // The sampled face finds itself trivially; only its other true neighbours are counted, which is what
                // a new photo of the same person would have to find.
                var self = ids[sample[s]];
                var expected = truth[s].Select(i => ids[i]).Where(id => id != self).ToHashSet();
                var n = part.Search(vectors[sample[s]], effort, found);
                for (var i = 0; i < n; i++)
                {
                    hit += expected.Contains(found[i]) ? 1 : 0;
                }

                total += expected.Count;
            }

            recall = total == 0 ? 1 : Math.Round(hit / (double)total, 4);
            if (recall >= target)
            {
                return (effort, recall, string.Create(CultureInfo.InvariantCulture, $"reached the target {target}"));
            }

            if (previous is { } last && recall - last.Recall < MinRecallGain)
            {
                return (last.Effort, last.Recall, string.Create(CultureInfo.InvariantCulture,
                    $"below the target {target}: doubling the effort to {effort} gained {recall - last.Recall:F4} (< {MinRecallGain})"));
            }

            previous = (effort, recall);
        }

        return (ladder[^1], recall, string.Create(CultureInfo.InvariantCulture, $"below the target {target} at the largest effort tried"));
    }

    private static string? Validate(string library, string modelId, out IndexMeta? meta)
    {
        meta = ReadMeta(library);
        if (meta is null)
        {
            return File.Exists(Path.Combine(library, MetaFile)) ? "description (faces.meta.json) is unreadable" : "has not been built yet";
        }

        if (meta.FormatVersion != CurrentFormat)
        {
            return $"has format {meta.FormatVersion}, this FaceIndex writes {CurrentFormat}";
        }

        if (!string.Equals(meta.ModelId, modelId, StringComparison.Ordinal))
        {
            return $"was built for model {meta.ModelId}, not {modelId}";
        }

        var file = new FileInfo(Path.Combine(library, meta.IsHnsw ? HnswFile : AnnFile));
        if (!file.Exists || file.Length != meta.IndexBytes)
        {
            return file.Exists ? $"file {file.Name} has {file.Length:N0} bytes, its description says {meta.IndexBytes:N0} (damaged or stale)" : $"file {file.Name} is missing";
        }

        if (meta.IsHnsw)
        {
            return null;
        }

        var ids = new FileInfo(Path.Combine(library, IdsFile));
        return !ids.Exists || ids.Length != (long)meta.Items * sizeof(long) ? $"file {IdsFile} is missing or does not match" : null;
    }

    private static FaceSearchIndex LoadDelta(FaceCatalog catalog, string modelId, IndexMeta? meta, IAnnPart? ann, long afterFaceId)
    {
        var deltaIds = new List<long>();
        var deltaVectors = new List<float>();
        catalog.VisitEmbeddings(modelId, afterFaceId, (faceId, embedding) =>
        {
            deltaIds.Add(faceId);
            foreach (var value in embedding)
            {
                deltaVectors.Add(value);
            }
        });
        return new FaceSearchIndex(catalog, modelId, meta, ann, [.. deltaIds], [.. deltaVectors]);
    }

    private static void WriteIds(string path, List<long> ids)
    {
        using var stream = new FileStream(path, FileMode.Create, FileAccess.Write, FileShare.None);
        using var writer = new BinaryWriter(stream);
        foreach (var id in ids)
        {
            writer.Write(id);
        }

        writer.Flush();
        stream.Flush(flushToDisk: true);
    }

    private static long[] ReadIds(string path)
    {
        var bytes = File.ReadAllBytes(path);
        var ids = new long[bytes.Length / sizeof(long)];
        Buffer.BlockCopy(bytes, 0, ids, 0, ids.Length * sizeof(long));
        return ids;
    }
}
