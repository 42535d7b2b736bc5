using System.Globalization;

namespace FaceIndex.Evaluation;

/// <summary>A rate with its confidence interval, or the reason it is not given.</summary>
/// <param name="Value">The rate (NaN when not given).</param>
/// <param name="Low">Lower end of the interval.</param>
/// <param name="High">Upper end.</param>
/// <param name="Count">Successes (false accepts, true accepts, right decisions).</param>
/// <param name="Of">Trials.</param>
/// <param name="TooFew">Why no figure is given (too few pairs); null when it is.</param>
public sealed record RateCi(double Value, double Low, double High, int Count, int Of, string? TooFew)
{
    /// <summary>z of a two-sided 95% interval.</summary>
    public const double Z95 = 1.959963984540054;

    /// <summary>
    /// k of n with the Wilson score interval (95%), which stays inside [0, 1] and is sound at 0 and n, unlike the normal approximation.
    /// Below <paramref name="minimum"/> trials no figure is given and <see cref="TooFew"/> says so.
    /// </summary>
    public static RateCi Wilson(int k, int n, int minimum = 1, string what = "pairs")
    {
        if (n < Math.Max(1, minimum))
        {
            return new RateCi(double.NaN, double.NaN, double.NaN, k, n, $"too few ({n} {what}; needs {Math.Max(1, minimum)})");
        }

        const double Z = Z95;
        var p = (double)k / n;
        var denominator = 1 + (Z * Z / n);
        var centre = (p + (Z * Z / (2 * n))) / denominator;
        var half = Z * Math.Sqrt((p * (1 - p) / n) + (Z * Z / (4.0 * n * n))) / denominator;
        return new RateCi(p, Math.Max(0, centre - half), Math.Min(1, centre + half), k, n, null);
    }

    /// <summary>"0.0123 (0.0051-0.0290)", or the reason there is no figure.</summary>
    public override string ToString() => TooFew ?? string.Create(CultureInfo.InvariantCulture, $"{Value:F4} ({Low:F4}-{High:F4})");
}
