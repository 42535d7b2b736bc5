using System.Diagnostics;
using System.Numerics.Tensors;
using System.Text.Json;
using FaceIndex.Annoy;
using FaceIndex.Catalog;

namespace FaceIndex.Search;

/// <summary>How the face index is built and searched.</summary>
/// <param name="Trees">Annoy trees; 0 means 10, which keeps catalog + index near 1.5 KB/face at 1M faces (measured: bench/million).</param>
/// <param name="TargetRecall">The recall@10 against exact search that searchK is tuned to reach on the indexed faces.</param>
/// <param name="RecallQueries">How many indexed faces (seeded sample) the recall is measured on.</param>
/// <param name="Seed">Annoy's seed and the sample's.</param>
/// <param name="Threads">Build threads; 0 means one per core.</param>
public sealed record SearchIndexOptions(int Trees = 0, double TargetRecall = 0.99, int RecallQueries = 200, int Seed = 42, int Threads = 0);

/// <summary>What a saved index covers and how it was tuned; written last, so its presence marks a complete index.</summary>
public sealed record IndexMeta(
    int FormatVersion,
    string ModelId,
    string Metric,
    int Dimension,
    int Items,
    long MaxFaceId,
    int Trees,
    int SearchK,
    double RecallAt10,
    int RecallQueries,
    int Seed,
    int Threads,
    long AnnBytes,
    double BuildSeconds,
    DateTimeOffset BuiltAt);

/// <summary>One nearest face: its catalog id and Euclidean distance to the query.</summary>
public readonly record struct SearchHit(long FaceId, float Distance);

/// <summary>
/// The face index: an Annoy index (Euclidean, on the raw embeddings) over the catalog's faces up to a catalog
/// position, plus an exact search over the faces added since (the delta), so a query always sees every face.
/// Faces removed from the catalog are filtered out at once, before any rebuild.
/// </summary>
public sealed class FaceSearchIndex : IDisposable
{
    public const string AnnFile = "faces.ann";
    public const string IdsFile = "faces.ids";
    public const string MetaFile = "faces.meta.json";
    private const int CurrentFormat = 1;

    private static readonly JsonSerializerOptions MetaJson = new(JsonSerializerDefaults.Web) { WriteIndented = true };

    private readonly FaceCatalog _catalog;
    private readonly AnnoyIndex? _annoy;
    private readonly long[] _ids;
    private readonly long[] _deltaIds;
    private readonly float[] _deltaVectors;

    private FaceSearchIndex(FaceCatalog catalog, string modelId, IndexMeta? meta, AnnoyIndex? annoy, long[] ids, long[] deltaIds, float[] deltaVectors)
    {
        _catalog = catalog;
        ModelId = modelId;
        Meta = meta;
        _annoy = annoy;
        _ids = ids;
        _deltaIds = deltaIds;
        _deltaVectors = deltaVectors;
    }

    public string ModelId { get; }

    /// <summary>The saved index's description, or null when there is no Annoy part (an empty catalog).</summary>
    public IndexMeta? Meta { get; }

    /// <summary>Faces searched exactly because they were added after the last build.</summary>
    public int DeltaCount => _deltaIds.Length;

    /// <summary>Faces in the Annoy part.</summary>
    public int IndexedCount => _ids.Length;

    /// <summary>Opens the saved index of <paramref name="catalog"/>'s library; a missing, stale or damaged one is rebuilt (said through <paramref name="log"/>) when the catalog is writable.</summary>
    public static FaceSearchIndex Open(FaceCatalog catalog, string modelId, SearchIndexOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new SearchIndexOptions();
        var problem = Validate(catalog.Library, modelId, out var meta);
        if (problem is not null)
        {
            if (catalog.FaceCount() == 0)
            {
                return new FaceSearchIndex(catalog, modelId, null, null, [], [], []);
            }

            if (catalog.IsReadOnly)
            {
                log?.Invoke($"the face index {problem}; the catalog is read-only, so faces are searched exactly this time");
                return LoadDelta(catalog, modelId, null, null, [], afterFaceId: 0);
            }

            log?.Invoke($"the face index {problem}: rebuilding it from the catalog");
            meta = Build(catalog, modelId, options, log);
        }

        var annoy = new AnnoyIndex(meta!.Dimension, AnnoyMetric.Euclidean);
        try
        {
            annoy.Load(Path.Combine(catalog.Library, AnnFile));
        }
        catch (Exception ex) when (ex is AnnoyException or IOException)
        {
            annoy.Dispose();
            if (catalog.IsReadOnly)
            {
                throw new FaceIndexException($"the face index in {catalog.Library} is damaged ({ex.Message}) and the catalog is read-only: run 'faceindex index' or 'faceindex info --rebuild' with write access", ex);
            }

            log?.Invoke($"the face index file could not be loaded ({ex.Message}): rebuilding it from the catalog");
            meta = Build(catalog, modelId, options, log);
            annoy = new AnnoyIndex(meta.Dimension, AnnoyMetric.Euclidean);
            annoy.Load(Path.Combine(catalog.Library, AnnFile));
        }

        var ids = ReadIds(Path.Combine(catalog.Library, IdsFile));
        return LoadDelta(catalog, modelId, meta, annoy, ids, meta.MaxFaceId);
    }

    /// <summary>Builds the index over every face of <paramref name="modelId"/> in the catalog, tunes searchK by measured recall, and saves it atomically.</summary>
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
        var maxFaceId = catalog.VisitEmbeddings(modelId, 0, (faceId, embedding) =>
        {
            dimension = embedding.Length;
            ids.Add(faceId);
            vectors.Add(embedding.ToArray());
        });
        maxFaceId = Math.Max(maxFaceId, ids.Count > 0 ? ids[^1] : 0);
        if (ids.Count == 0)
        {
            throw new FaceIndexException($"the catalog in {catalog.Library} has no faces embedded with {modelId}: index a dataset first ('faceindex index DIR --dataset NAME')");
        }

        var trees = options.Trees > 0 ? options.Trees : 10;
        var threads = options.Threads > 0 ? options.Threads : Environment.ProcessorCount;
        var library = catalog.Library;
        var annPath = Path.Combine(library, AnnFile);
        var tmpAnn = annPath + ".tmp";
        File.Delete(tmpAnn);
        int searchK;
        double recall;
        using (var annoy = new AnnoyIndex(dimension, AnnoyMetric.Euclidean) { Seed = (ulong)options.Seed })
        {
            for (var i = 0; i < ids.Count; i++)
            {
                annoy.AddItem(i, vectors[i]);
            }

            annoy.Build(trees, threads);
            (searchK, recall) = TuneSearchK(annoy, vectors, options);
            annoy.Save(tmpAnn);
        }

        var tmpIds = Path.Combine(library, IdsFile + ".tmp");
        WriteIds(tmpIds, ids);
        var meta = new IndexMeta(
            CurrentFormat, modelId, "euclidean", dimension, ids.Count, maxFaceId, trees, searchK, recall,
            Math.Min(options.RecallQueries, ids.Count), options.Seed, threads, new FileInfo(tmpAnn).Length,
            Math.Round(clock.Elapsed.TotalSeconds, 3), DateTimeOffset.UtcNow);

        // Meta goes last: it names the files it covers, so a crash between the renames leaves a detectable mismatch.
        File.Delete(Path.Combine(library, MetaFile));
        File.Move(tmpAnn, annPath, overwrite: true);
        File.Move(tmpIds, Path.Combine(library, IdsFile), overwrite: true);
        var tmpMeta = Path.Combine(library, MetaFile + ".tmp");
        File.WriteAllText(tmpMeta, JsonSerializer.Serialize(meta, MetaJson));
        File.Move(tmpMeta, Path.Combine(library, MetaFile), overwrite: true);
        log?.Invoke($"face index built: {ids.Count:N0} faces, {trees} trees, searchK {searchK} (recall@10 {recall:F3} on {meta.RecallQueries} faces), {clock.Elapsed.TotalSeconds:F1} s");
        return meta;
    }

    /// <summary>The saved index's description without loading it, or null when there is none.</summary>
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

    /// <summary>The <paramref name="k"/> nearest faces to <paramref name="query"/>, nearest first, removed faces excluded.</summary>
    public IReadOnlyList<SearchHit> Search(ReadOnlySpan<float> query, int k, int? searchK = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var hits = new List<SearchHit>(k * 2);
        if (_annoy is not null && _ids.Length > 0)
        {
            var want = k;
            var effectiveSearchK = searchK ?? Meta!.SearchK;
            while (true)
            {
                var n = Math.Min(want, _ids.Length);
                var items = new int[n];
                var distances = new float[n];
                var found = _annoy.Search(query, n, Math.Max(effectiveSearchK, n * Meta!.Trees), items, distances);
                var candidates = new long[found];
                for (var i = 0; i < found; i++)
                {
                    candidates[i] = _ids[items[i]];
                }

                var alive = new HashSet<long>(_catalog.FilterExisting(candidates));
                hits.Clear();
                for (var i = 0; i < found; i++)
                {
                    if (alive.Contains(candidates[i]))
                    {
                        hits.Add(new SearchHit(candidates[i], distances[i]));
                    }
                }

                if (hits.Count >= k || found < n || n == _ids.Length)
                {
                    break;
                }

                want = n * 2;
            }
        }

        if (_deltaIds.Length > 0)
        {
            var dim = _deltaVectors.Length / _deltaIds.Length;
            var alive = new HashSet<long>(_catalog.FilterExisting(_deltaIds));
            for (var i = 0; i < _deltaIds.Length; i++)
            {
                if (alive.Contains(_deltaIds[i]))
                {
                    hits.Add(new SearchHit(_deltaIds[i], TensorPrimitives.Distance(query, _deltaVectors.AsSpan(i * dim, dim))));
                }
            }
        }

        hits.Sort(static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.FaceId.CompareTo(b.FaceId));
        return hits.Count > k ? hits.GetRange(0, k) : hits;
    }

    public void Dispose() => _annoy?.Dispose();

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

        var ann = new FileInfo(Path.Combine(library, AnnFile));
        if (!ann.Exists || ann.Length != meta.AnnBytes)
        {
            return ann.Exists ? $"file {AnnFile} has {ann.Length:N0} bytes, its description says {meta.AnnBytes:N0} (damaged or stale)" : $"file {AnnFile} is missing";
        }

        var ids = new FileInfo(Path.Combine(library, IdsFile));
        return !ids.Exists || ids.Length != (long)meta.Items * sizeof(long) ? $"file {IdsFile} is missing or does not match" : null;
    }

    private static FaceSearchIndex LoadDelta(FaceCatalog catalog, string modelId, IndexMeta? meta, AnnoyIndex? annoy, long[] ids, long afterFaceId)
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
        return new FaceSearchIndex(catalog, modelId, meta, annoy, ids, [.. deltaIds], [.. deltaVectors]);
    }

    private static (int SearchK, double Recall) TuneSearchK(AnnoyIndex annoy, List<float[]> vectors, SearchIndexOptions options)
    {
        const int K = 10;
        var n = vectors.Count;
        var queries = Math.Min(options.RecallQueries, n);
        var random = new Random(options.Seed);
        var sample = Enumerable.Range(0, n).OrderBy(_ => random.Next()).Take(queries).ToArray();
        var truth = sample.Select(q => ExactTop(vectors, vectors[q], K)).ToArray();
        var ids = new int[K];
        var baseK = K * annoy.TreeCount;
        double recall = 0;
        var searchK = baseK;
        for (var factor = 1; factor <= 256; factor *= 2)
        {
            searchK = baseK * factor;
            var hit = 0;
            var total = 0;
            for (var i = 0; i < sample.Length; i++)
            {
                var found = annoy.Search(vectors[sample[i]], K, searchK, ids, []);
                var expected = truth[i];
                total += expected.Count;
                hit += ids.AsSpan(0, found).ToArray().Count(expected.Contains);
            }

            recall = total == 0 ? 1 : hit / (double)total;
            if (recall >= options.TargetRecall || searchK >= n * annoy.TreeCount)
            {
                break;
            }
        }

        return (searchK, Math.Round(recall, 4));
    }

    private static HashSet<int> ExactTop(List<float[]> vectors, float[] query, int k)
    {
        var best = new PriorityQueue<int, float>(Comparer<float>.Create((a, b) => b.CompareTo(a)));
        for (var i = 0; i < vectors.Count; i++)
        {
            var d = TensorPrimitives.Distance(query, vectors[i]);
            if (best.Count < k)
            {
                best.Enqueue(i, d);
            }
            else if (best.TryPeek(out _, out var worst) && d < worst)
            {
                best.DequeueEnqueue(i, d);
            }
        }

        return [.. best.UnorderedItems.Select(x => x.Element)];
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
