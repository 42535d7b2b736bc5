namespace FaceIndex.Embedding.Onnx;

/// <summary>Options of <see cref="OnnxFaceEmbedder"/>.</summary>
/// <param name="FlipTta">Average each chip's output with its mirror image's (changes the model id).</param>
/// <param name="Threads">ONNX Runtime intra-op threads; 0 lets ONNX Runtime choose (one per core).</param>
/// <param name="MaxBatchSize">Chips per run when the model's batch axis is free (a fixed batch axis wins).</param>
public sealed record OnnxEmbedderOptions(bool FlipTta = false, int Threads = 0, int MaxBatchSize = 32);
