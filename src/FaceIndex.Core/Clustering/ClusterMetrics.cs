namespace FaceIndex.Clustering;

/// <summary>
/// How a clustering agrees with known labels. Pairwise: precision = pairs put together that share a label / pairs
/// put together; recall = pairs put together that share a label / pairs sharing a label. BCubed (Bagga and Baldwin
/// 1998): per item, the share of its cluster carrying its label (precision) and the share of its label in its cluster
/// (recall), averaged over items. F is the harmonic mean. Every unclustered face counts as a cluster of its own.
/// </summary>
public sealed record ClusterMetrics(
    int Items,
    int Clusters,
    int Identities,
    int Singletons,
    double PairwisePrecision,
    double PairwiseRecall,
    double PairwiseF,
    double BCubedPrecision,
    double BCubedRecall,
    double BCubedF)
{
    /// <summary>Scores <paramref name="clusters"/> against <paramref name="labels"/> (same length, any ids).</summary>
    public static ClusterMetrics Compute(IReadOnlyList<int> clusters, IReadOnlyList<string> labels)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        ArgumentNullException.ThrowIfNull(labels);
        if (clusters.Count != labels.Count)
        {
            throw new ArgumentException($"{clusters.Count} cluster ids for {labels.Count} labels", nameof(labels));
        }

        var n = clusters.Count;
        var cells = new Dictionary<(int, string), long>();
        var clusterSize = new Dictionary<int, long>();
        var labelSize = new Dictionary<string, long>(StringComparer.Ordinal);
        for (var i = 0; i < n; i++)
        {
            cells[(clusters[i], labels[i])] = cells.GetValueOrDefault((clusters[i], labels[i])) + 1;
            clusterSize[clusters[i]] = clusterSize.GetValueOrDefault(clusters[i]) + 1;
            labelSize[labels[i]] = labelSize.GetValueOrDefault(labels[i]) + 1;
        }

        static double Pairs(long k) => k * (k - 1) / 2.0;
        var together = cells.Values.Sum(Pairs);
        var predicted = clusterSize.Values.Sum(Pairs);
        var actual = labelSize.Values.Sum(Pairs);
        var p = predicted == 0 ? 1 : together / predicted;
        var r = actual == 0 ? 1 : together / actual;
        double bp = 0, br = 0;
        for (var i = 0; i < n; i++)
        {
            var cell = cells[(clusters[i], labels[i])];
            bp += cell / (double)clusterSize[clusters[i]];
            br += cell / (double)labelSize[labels[i]];
        }

        bp /= Math.Max(1, n);
        br /= Math.Max(1, n);
        return new ClusterMetrics(
            n, clusterSize.Count, labelSize.Count, clusterSize.Values.Count(s => s == 1),
            p, r, F(p, r), bp, br, F(bp, br));
    }

    private static double F(double p, double r) => p + r == 0 ? 0 : 2 * p * r / (p + r);
}
