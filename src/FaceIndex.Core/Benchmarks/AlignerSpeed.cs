namespace FaceIndex.Benchmarks;

/// <summary>One aligner's time per face (one thread).</summary>
public sealed record AlignerSpeed(string Alignment, int Faces, double MedianMs, double P95Ms);
