using FaceIndex.Alignment;
using FaceIndex.Evaluation;
using FaceIndex.Models;

namespace FaceIndex.Embedding.Onnx;

/// <summary>The ONNX models FaceIndex knows without <c>models add</c>: fetched by scripts/setup.sh, pinned by sha256.</summary>
public static class BundledModels
{
    /// <summary>The bundled faceplugin network's name.</summary>
    public const string FacepluginName = "faceplugin";

    /// <summary>
    /// faceplugin-face-recognition-js 0.0.1's <c>fr_feature.onnx</c>, with the settings chosen on the development pairs
    /// (README, "Models"), not the package's own recipe: the 5-point least-squares similarity instead of its 3-point
    /// affine, BGR instead of the RGB it feeds, and plain cosine instead of its pair mean-centring (which scores every
    /// pair -1). Its normalisation, (p - 127) / 128, is the package's.
    /// </summary>
    public static ModelManifest Faceplugin { get; } = new()
    {
        Name = FacepluginName,
        File = Path.Combine(ModelFiles.FacepluginDirectory, ModelFiles.FacepluginFeature.FileName),
        Sha256 = ModelFiles.FacepluginFeature.Sha256,
        InputName = "input",
        InputSize = 112,
        Layout = TensorLayout.Nchw,
        ChannelOrder = ChannelOrder.Bgr,
        Mean = [127f, 127f, 127f],
        Std = null,
        Scale = 1f / 128f,
        Alignment = AlignmentKind.ArcFace5,
        OutputName = "output",
        Dimension = 512,
        Distance = EmbeddingMetric.Cosine,

        // Between the best single thresholds on the two development pair sets (master.csv 0.42, pivot 0.48).
        SameThreshold = 0.45f,
        Licence = ModelFiles.FacepluginFeature.Licence,
        Origin = ModelFiles.FacepluginFeature.Source,
        Note = "MobileFaceNet-style network; settings chosen on the development pairs (README, \"Models\")",
    };
}
