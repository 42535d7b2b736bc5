namespace FaceIndex.Benchmarks;

/// <summary>Order statistics the benchmarks report.</summary>
internal static class Stats
{
    /// <summary>The q-quantile (0..1) with linear interpolation between order statistics; NaN for no values.</summary>
    public static double Percentile(IReadOnlyCollection<double> values, double q)
    {
        if (values.Count == 0)
        {
            return double.NaN;
        }

        var sorted = values.Order().ToArray();
        var pos = q * (sorted.Length - 1);
        var lo = (int)Math.Floor(pos);
        var hi = (int)Math.Ceiling(pos);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }
}
