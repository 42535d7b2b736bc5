namespace FaceIndex.Benchmarks;

/// <summary>One model's speed at one thread count and batch size.</summary>
public sealed record ModelSpeed(string Model, string ModelId, int Threads, int BatchSize, double ChipsPerSecond, double MsPerChip);
