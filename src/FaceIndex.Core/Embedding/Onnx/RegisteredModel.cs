using FaceIndex.Alignment;
using FaceIndex.Evaluation;

namespace FaceIndex.Embedding.Onnx;

/// <summary>
/// A recognition model a library can use: dlib's network (TorchSharp; <see cref="Manifest"/> null) or an ONNX model
/// described by its manifest (<see cref="ManifestDirectory"/> resolves a relative file).
/// </summary>
public sealed record RegisteredModel(string Name, ModelManifest? Manifest, string? ManifestDirectory, bool BuiltIn)
{
    /// <summary>The runtime: "torchsharp" for dlib's network, "onnxruntime" for a manifest.</summary>
    public string Runtime => Manifest is null ? "torchsharp" : "onnxruntime";

    /// <summary>The alignment the model was trained on.</summary>
    public AlignmentKind Alignment => Manifest?.Alignment ?? AlignmentKind.DlibChip;

    /// <summary>The chip side the model takes.</summary>
    public int ChipSize => Manifest?.InputSize ?? 150;

    /// <summary>The padding of dlib's chip (only dlib's alignment uses it).</summary>
    public double ChipPadding => Manifest is null ? 0.25 : 0;

    /// <summary>The distance the model's embeddings are compared with.</summary>
    public EmbeddingMetric Distance => Manifest?.Distance ?? EmbeddingMetric.Euclidean;

    /// <summary>The embedding length.</summary>
    public int Dimension => Manifest?.Dimension ?? 128;

    /// <summary>The model id stored with each embedding (name + sha256 for ONNX models).</summary>
    public string ModelId(bool flip = false) =>
        Manifest is null ? DlibResNetEmbedder.BaseModelId + (flip ? "+flip" : string.Empty) : OnnxFaceEmbedder.IdOf(Manifest, flip);
}
