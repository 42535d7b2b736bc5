using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;

namespace FaceIndex.Evaluation;

/// <summary>One model set-up in a side-by-side evaluation: the model (a channel-order variant is its own model), its alignment and flip.</summary>
/// <param name="Model">The model.</param>
/// <param name="Alignment">The alignment chips are cut with.</param>
/// <param name="Flip">Whether each chip's embedding is averaged with its mirror's.</param>
/// <param name="Metric">The score; null for the model's own distance.</param>
public sealed record ComparisonConfiguration(RegisteredModel Model, AlignmentKind Alignment, bool Flip, EmbeddingMetric? Metric = null)
{
    /// <summary>The label in tables and plots: model, alignment, channel order when the model has one, flip.</summary>
    public string Label => Model.Manifest is { } m
        ? $"{BaseName(Model.Name, m.ChannelOrder)} {FaceAligners.Name(Alignment)} {Order(m.ChannelOrder)}{(Flip ? " flip" : string.Empty)}"
        : $"{Model.Name} {FaceAligners.Name(Alignment)}{(Flip ? " flip" : string.Empty)}";

    /// <summary>The score used: the given metric, else the model's own distance.</summary>
    public EmbeddingMetric EffectiveMetric => Metric ?? Model.Distance;

    /// <summary>
    /// A variant of <paramref name="model"/> fed in <paramref name="order"/>: its own name ("model.bgr"), so its model id,
    /// and the evaluation cache, keep it apart. dlib's network is returned as it is (its input is fixed).
    /// </summary>
    public static RegisteredModel WithChannelOrder(RegisteredModel model, Embedding.Onnx.ChannelOrder order)
    {
        ArgumentNullException.ThrowIfNull(model);
        if (model.Manifest is not { } manifest || manifest.ChannelOrder == order)
        {
            return model;
        }

        return model with { Name = $"{model.Name}.{Order(order)}", Manifest = manifest with { Name = $"{manifest.Name}.{Order(order)}", ChannelOrder = order } };
    }

    private static string Order(Embedding.Onnx.ChannelOrder order) => order.ToString().ToLowerInvariant();

    private static string BaseName(string name, Embedding.Onnx.ChannelOrder order) =>
        name.EndsWith("." + Order(order), StringComparison.Ordinal) ? name[..^(Order(order).Length + 1)] : name;
}
