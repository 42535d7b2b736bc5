using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using FaceIndex.Annoy;
using FaceIndex.Catalog;
using FaceIndex.Pipeline;
using FaceIndex.Search.Hnsw;

namespace FaceIndex.Evaluation;

/// <summary>How the gallery is searched in an identification run.</summary>
public enum GallerySearch
{
    /// <summary>Brute force: the ground truth.</summary>
    Exact,

    /// <summary>An Annoy index over the gallery, so the cost of approximate search on accuracy shows.</summary>
    Annoy,

    /// <summary>Exact and Annoy, side by side.</summary>
    Both,

    /// <summary>An HNSW index (USearch, float16, candidates re-measured exactly, as in a library) over the gallery.</summary>
    Hnsw,

    /// <summary>Exact, Annoy and HNSW side by side.</summary>
    All,
}

/// <summary>An identification run's results (one per search kind) and its record.</summary>
public sealed record IdentificationOutcome(IReadOnlyList<IdentificationResult> Results, int Identities, int Samples, RunRecord Run);

/// <summary>Closed- and open-set identification on an indexed, labelled dataset (its subject faces).</summary>
public static class IdentificationRun
{
    /// <summary>Splits the dataset's labelled subject faces (seeded) and evaluates rank-k and DIR@FAR with the chosen searches.</summary>
    public static IdentificationOutcome Evaluate(
        ICatalogReader catalog, string dataset, string modelId, int seed, GallerySearch search, EmbeddingMetric metric = EmbeddingMetric.Euclidean, int annoyTrees = 10)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var faces = catalog.LabelledSubjects(dataset, modelId);
        if (faces.Count == 0)
        {
            throw new FaceIndexException($"dataset {dataset} has no labelled subject faces embedded with {modelId}: index it with identity folders or a CSV manifest first ('faceindex datasets' lists what is indexed)");
        }

        var labels = faces.Select(f => f.Identity).Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).Select((name, i) => (name, i)).ToDictionary(x => x.name, x => x.i, StringComparer.Ordinal);
        var samples = faces.Select(f => new IdentificationSample(labels[f.Identity], f.Embedding)).ToList();
        var split = IdentificationSplit.Create(samples, seed);
        var results = new List<IdentificationResult>();
        if (search is GallerySearch.Exact or GallerySearch.Both or GallerySearch.All)
        {
            results.Add(IdentificationMetrics.Evaluate(split, metric, searchName: "exact"));
        }

        if (search is GallerySearch.Annoy or GallerySearch.Both or GallerySearch.All)
        {
            using var annoy = new AnnoyIndex(split.Gallery[0].Embedding.Length, metric == EmbeddingMetric.Cosine ? AnnoyMetric.Angular : AnnoyMetric.Euclidean) { Seed = (ulong)seed };
            for (var i = 0; i < split.Gallery.Count; i++)
            {
                annoy.AddItem(i, split.Gallery[i].Embedding);
            }

            annoy.Build(annoyTrees, Environment.ProcessorCount);
            IReadOnlyList<(int id, float dist)> Search(float[] probe, int k)
            {
                var n = annoy.GetNnsByVector(probe, k, -1, includeDistances: true);
                return [.. n.Ids.Select((id, j) => (id, metric == EmbeddingMetric.Cosine ? AngularToCosineDistance(n.Distances![j]) : n.Distances![j]))];
            }

            results.Add(IdentificationMetrics.Evaluate(split, metric, Search, $"annoy ({annoyTrees} trees, searchK = k x trees)"));
        }

        if (search is GallerySearch.Hnsw or GallerySearch.All)
        {
            results.Add(EvaluateHnsw(split, metric));
        }

        var settings = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["dataset"] = dataset,
            ["modelId"] = modelId,
            ["seed"] = seed.ToString(CultureInfo.InvariantCulture),
            ["search"] = search.ToString().ToLowerInvariant(),
            ["metric"] = metric.ToString().ToLowerInvariant(),
            ["annoyTrees"] = annoyTrees.ToString(CultureInfo.InvariantCulture),
            ["protocol"] = "gallery: one seeded image per identity with 2+ images; mated probes: the rest of those; non-mated probes: identities with one image",
        };
        var run = RunRecord.Capture(settings, started, DateTimeOffset.UtcNow, new Dictionary<string, double> { ["total"] = Math.Round(clock.Elapsed.TotalSeconds, 3) }, RunVersions.Collect());
        return new IdentificationOutcome(results, labels.Count, samples.Count, run);
    }

    /// <summary>
    /// HNSW over the gallery with the library's defaults (M 16, efConstruction 128, float16, ef 64; one build thread so
    /// the graph is the same every run). For the cosine metric the graph holds unit vectors, whose Euclidean order is
    /// the cosine order. Candidates are re-measured exactly with <paramref name="metric"/>, as a library search does.
    /// </summary>
    private static IdentificationResult EvaluateHnsw(IdentificationSplit split, EmbeddingMetric metric)
    {
        const int Ef = 64;
        var gallery = split.Gallery;
        float[] Prepared(float[] v) => metric == EmbeddingMetric.Cosine ? Unit(v) : v;
        using var hnsw = HnswIndex.Create(gallery[0].Embedding.Length, new HnswParameters(), threads: 1);
        hnsw.Reserve(gallery.Count);
        for (var i = 0; i < gallery.Count; i++)
        {
            hnsw.Add((ulong)i, Prepared(gallery[i].Embedding));
        }

        hnsw.ExpansionSearch = Ef;
        IReadOnlyList<(int id, float dist)> Search(float[] probe, int k)
        {
            var keys = new ulong[k];
            var found = hnsw.Search(Prepared(probe), keys, new float[k]);
            return [.. keys.Take(found).Select(key => (id: (int)key, dist: IdentificationMetrics.Distance(probe, gallery[(int)key].Embedding, metric)))
                .OrderBy(x => x.dist).ThenBy(x => x.id)];
        }

        return IdentificationMetrics.Evaluate(split, metric, Search, $"hnsw (USearch {HnswIndex.LibraryVersion}, M 16, efConstruction 128, ef {Ef}, float16)");
    }

    private static float[] Unit(float[] v)
    {
        var norm = TensorPrimitives.Norm(v);
        var unit = new float[v.Length];
        TensorPrimitives.Divide(v, norm > 0 ? norm : 1, unit);
        return unit;
    }

    // Annoy's angular distance is sqrt(2 - 2 cos); the metrics take 1 - cos.
    private static float AngularToCosineDistance(float angular) => angular * angular / 2f;
}
