using FaceIndex.Alignment;
using FaceIndex.Evaluation;

namespace FaceIndex.Embedding.Onnx;

/// <summary>Manifests for common model conventions, completed from the model file itself (input and output names, dimension).</summary>
public static class ModelPresets
{
    /// <summary>The preset names <c>models add --preset</c> takes.</summary>
    public static IReadOnlyList<string> Names { get; } = ["arcface112"];

    /// <summary>
    /// insightface's ArcFace convention: 112x112 RGB, NCHW, (p - 127.5) / 127.5, the 5-point similarity onto the ArcFace
    /// template, cosine distance.
    /// </summary>
    public static ModelManifest ArcFace112(string name, string file, string sha256, string inputName, string outputName, int dimension) => new()
    {
        Name = name,
        File = file,
        Sha256 = sha256,
        InputName = inputName,
        InputSize = 112,
        Layout = TensorLayout.Nchw,
        ChannelOrder = ChannelOrder.Rgb,
        Mean = [127.5f, 127.5f, 127.5f],
        Std = [127.5f, 127.5f, 127.5f],
        Alignment = AlignmentKind.ArcFace5,
        OutputName = outputName,
        Dimension = dimension,
        Distance = EmbeddingMetric.Cosine,
    };
}
