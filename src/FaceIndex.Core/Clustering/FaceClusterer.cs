using System.Diagnostics;
using FaceIndex.Audit;
using FaceIndex.Catalog;
using FaceIndex.Search;

namespace FaceIndex.Clustering;

/// <summary>
/// Groups a dataset's faces by person without looking at its labels: the kNN graph from the face index, then Chinese
/// Whispers or average linkage at the same-person threshold. Labels, when the dataset has them, are used only to score.
/// </summary>
public static class FaceClusterer
{
    /// <summary>Clusters the dataset; stores the ids in the catalog when it is writable and <paramref name="store"/> is set.</summary>
    public static ClusterResult Run(FaceCatalog catalog, FaceSearchIndex index, ClusterOptions options, bool store = true, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        var faces = catalog.DatasetFaces(options.Dataset, index.ModelId)
            .Where(f => f.Face.Embedding is not null && (!options.SubjectsOnly || f.Face.IsSubject))
            .Select(f => f.Face)
            .ToList();
        if (faces.Count == 0)
        {
            throw new FaceIndexException($"the dataset '{options.Dataset}' has no faces embedded with {index.ModelId} to cluster: index it first");
        }

        var vectors = faces.Select(f => f.Embedding!).ToList();
        var memberOf = faces.Select((f, i) => (f.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var graph = KnnGraph.Build(index, vectors, [.. faces.Select(f => f.Id)], memberOf, Math.Min(options.Neighbours, Math.Max(1, faces.Count - 1)), options.Threads > 0 ? options.Threads : Environment.ProcessorCount, null, cancellationToken);
        seconds["neighbours"] = Math.Round(clock.Elapsed.TotalSeconds, 3);
        clock.Restart();
        // The model's own same-person distance (dlib's 0.6, a cosine model's manifest similarity as a unit-vector distance).
        var threshold = options.Threshold ?? LibraryModels.DefaultDistance(catalog.Library, index.ModelId);
        var raw = options.Algorithm == ClusterAlgorithm.ChineseWhispers
            ? ChineseWhispers.Run(ChineseWhispers.Adjacency(graph, threshold), options.Iterations, options.Seed)
            : AverageLinkage.Run(vectors, graph, threshold);
        seconds["clustering"] = Math.Round(clock.Elapsed.TotalSeconds, 3);

        // Dense ids, largest cluster first; groups under MinSize become -1.
        var groups = Enumerable.Range(0, faces.Count).GroupBy(i => raw[i]).OrderByDescending(g => g.Count()).ThenBy(g => g.Min()).ToList();
        var ids = new int[faces.Count];
        var clusters = new List<FaceCluster>();
        var unclustered = new List<int>();
        foreach (var g in groups)
        {
            if (g.Count() < options.MinSize)
            {
                unclustered.AddRange(g);
                foreach (var i in g)
                {
                    ids[i] = -1;
                }

                continue;
            }

            foreach (var i in g)
            {
                ids[i] = clusters.Count;
            }

            clusters.Add(new FaceCluster(clusters.Count, [.. g.Select(i => Face(faces[i]))]));
        }

        if (unclustered.Count > 0)
        {
            clusters.Add(new FaceCluster(-1, [.. unclustered.Order().Select(i => Face(faces[i]))]));
        }

        ClusterMetrics? metrics = null;
        var labelled = Enumerable.Range(0, faces.Count).Where(i => faces[i].Identity is not null && faces[i].IsSubject).ToList();
        if (labelled.Count > 1)
        {
            // Scored on the labelled subject faces; each unclustered face is a cluster of its own.
            metrics = ClusterMetrics.Compute([.. labelled.Select(i => ids[i] >= 0 ? ids[i] : -1 - i)], [.. labelled.Select(i => faces[i].Identity!)]);
        }

        if (store && !catalog.IsReadOnly)
        {
            catalog.SaveClusters(options.Dataset, options.Algorithm.ToString(), [.. faces.Select((f, i) => (f.Id, ids[i]))]);
        }

        return new ClusterResult(options, threshold, clusters, metrics, seconds, DateTimeOffset.UtcNow) { ModelId = index.ModelId };
    }

    private static AuditFace Face(StoredFace f) => new(f.Id, f.Dataset, f.RelPath, f.Identity, f.Box);
}
