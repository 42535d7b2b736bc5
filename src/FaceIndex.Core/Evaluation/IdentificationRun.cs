using System.Diagnostics;
using System.Globalization;
using FaceIndex.Annoy;
using FaceIndex.Catalog;
using FaceIndex.Pipeline;

namespace FaceIndex.Evaluation;

/// <summary>How the gallery is searched in an identification run.</summary>
public enum GallerySearch
{
    /// <summary>Brute force: the ground truth.</summary>
    Exact,

    /// <summary>An Annoy index over the gallery, so the cost of approximate search on accuracy shows.</summary>
    Annoy,

    /// <summary>Both, side by side.</summary>
    Both,
}

/// <summary>An identification run's results (one per search kind) and its record.</summary>
public sealed record IdentificationOutcome(IReadOnlyList<IdentificationResult> Results, int Identities, int Samples, RunRecord Run);

/// <summary>Closed- and open-set identification on an indexed, labelled dataset (its subject faces).</summary>
public static class IdentificationRun
{
    /// <summary>Splits the dataset's labelled subject faces (seeded) and evaluates rank-k and DIR@FAR with the chosen searches.</summary>
    public static IdentificationOutcome Evaluate(
        FaceCatalog catalog, string dataset, string modelId, int seed, GallerySearch search, EmbeddingMetric metric = EmbeddingMetric.Euclidean, int annoyTrees = 10)
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
        if (search is GallerySearch.Exact or GallerySearch.Both)
        {
            results.Add(IdentificationMetrics.Evaluate(split, metric, searchName: "exact"));
        }

        if (search is GallerySearch.Annoy or GallerySearch.Both)
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

    // Annoy's angular distance is sqrt(2 - 2 cos); the metrics take 1 - cos.
    private static float AngularToCosineDistance(float angular) => angular * angular / 2f;
}
