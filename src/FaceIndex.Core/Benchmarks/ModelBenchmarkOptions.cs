namespace FaceIndex.Benchmarks;

/// <summary>What <see cref="ModelBenchmark"/> measures.</summary>
/// <param name="MaxImages">Images (the first, sorted by path) whose faces become the chips.</param>
/// <param name="Repeats">Timed passes over the chips for each point (the median per-chip time is reported).</param>
/// <param name="MaxThreads">Threads swept from 1 to this (0: all cores).</param>
/// <param name="BatchSizes">Batch sizes (default 1, 8, 32; a model whose batch axis is fixed at 1 runs a batch chip by chip).</param>
public sealed record ModelBenchmarkOptions(int MaxImages = 50, int Repeats = 3, int MaxThreads = 0, IReadOnlyList<int>? BatchSizes = null);
