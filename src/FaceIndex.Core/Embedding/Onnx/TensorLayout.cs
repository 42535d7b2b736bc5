namespace FaceIndex.Embedding.Onnx;

/// <summary>The order of a model's input tensor axes.</summary>
public enum TensorLayout
{
    /// <summary>[batch, channels, height, width] (PyTorch's, most exported face models).</summary>
    Nchw,

    /// <summary>[batch, height, width, channels] (TensorFlow's).</summary>
    Nhwc,
}
