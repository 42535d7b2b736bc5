using FaceIndex.Evaluation;

namespace FaceIndex.Benchmarks;

/// <summary>The result of <see cref="ModelBenchmark.Run"/>.</summary>
public sealed record ModelBenchmarkResult(int Images, int Faces, IReadOnlyList<AlignerSpeed> Aligners, IReadOnlyList<ModelSpeed> Models, RunRecord Run);
