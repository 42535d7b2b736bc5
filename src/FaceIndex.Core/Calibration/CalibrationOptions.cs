namespace FaceIndex.Calibration;

/// <summary>Settings of a calibration; every one is stored with its result.</summary>
/// <param name="Fars">The FAR targets to fit a threshold at (each in (0, 1)).</param>
/// <param name="Bootstrap">Bootstrap replicates for the confidence intervals (0: no interval).</param>
/// <param name="Seed">Seed of the bootstrap (System.Random, the same sequence on every .NET version).</param>
/// <param name="Confidence">Confidence level of the percentile intervals.</param>
public sealed record CalibrationOptions(IReadOnlyList<double>? Fars = null, int Bootstrap = 1000, int Seed = 1, double Confidence = 0.95)
{
    /// <summary>The FAR targets used when none are given.</summary>
    public static IReadOnlyList<double> DefaultFars { get; } = [1e-2, 1e-3];
}
