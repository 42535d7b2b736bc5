namespace FaceIndex.Embedding.Onnx;

/// <summary>The colour order a model's input channels hold.</summary>
public enum ChannelOrder
{
    /// <summary>Red, green, blue.</summary>
    Rgb,

    /// <summary>Blue, green, red (models trained on OpenCV-decoded images).</summary>
    Bgr,
}
