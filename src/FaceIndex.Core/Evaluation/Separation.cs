namespace FaceIndex.Evaluation;

/// <summary>How far apart the matched and mismatched pairs' scores are, beyond what accuracy and AUC show when they saturate.</summary>
public static class Separation
{
    /// <summary>
    /// d' = (mean of matched - mean of mismatched) / sqrt((var matched + var mismatched) / 2), on similarities (a distance
    /// is negated first), so larger is better whatever the direction. Pairs without a score are left out. NaN when a class
    /// has fewer than two scores.
    /// </summary>
    public static double DPrime(IReadOnlyList<ScoredPair> pairs, ScoreDirection direction)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sign = direction == ScoreDirection.Similarity ? 1.0 : -1.0;
        var same = pairs.Where(p => p.Same && p.Score is not null).Select(p => sign * p.Score!.Value).ToList();
        var diff = pairs.Where(p => !p.Same && p.Score is not null).Select(p => sign * p.Score!.Value).ToList();
        if (same.Count < 2 || diff.Count < 2)
        {
            return double.NaN;
        }

        var (ms, vs) = MeanVariance(same);
        var (md, vd) = MeanVariance(diff);
        return (ms - md) / Math.Sqrt((vs + vd) / 2);
    }

    private static (double Mean, double Variance) MeanVariance(List<double> values)
    {
        var mean = values.Average();
        return (mean, values.Sum(v => (v - mean) * (v - mean)) / (values.Count - 1));
    }
}
