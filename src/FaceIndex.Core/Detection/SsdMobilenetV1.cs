using FaceIndex.Embedding;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceIndex.Detection;

/// <summary>
/// face-api's SSD MobileNet v1 face detector as TorchSharp modules, with face-api's weights: a 512x512 RGB input,
/// normalised to [-1, 1], to 5,118 decoded boxes (normalised ymin, xmin, ymax, xmax) and face scores. Immutable after
/// construction, so concurrent forward calls are safe.
/// </summary>
internal sealed class SsdMobilenetV1 : nn.Module<Tensor, (Tensor Boxes, Tensor Scores)>
{
    /// <summary>The input side the network expects.</summary>
    public const int InputSize = 512;

    /// <summary>Anchors: 32x32x3 + (16x16 + 8x8 + 4x4 + 2x2 + 1x1)x6.</summary>
    public const int AnchorCount = 5118;

    // tfjs batchNorm's epsilon in face-api's mobileNetV1.
    private const double BatchNormEpsilon = 0.0010000000474974513;

    // face-api's stride-2 depthwise layers.
    private static readonly int[] StridedLayers = [2, 4, 6, 12];

    // Output channels of MobilenetV1/Conv2d_1..13_pointwise.
    private static readonly int[] PointwiseChannels = [64, 128, 128, 256, 256, 512, 512, 512, 512, 512, 512, 1024, 1024];

    private readonly TorchSharp.Modules.ModuleList<SsdConv> backbone = new();
    private readonly TorchSharp.Modules.ModuleList<SsdConv> extras = new();
    private readonly TorchSharp.Modules.ModuleList<SsdConv> boxPredictors = new();
    private readonly TorchSharp.Modules.ModuleList<SsdConv> classPredictors = new();
    private readonly Tensor anchors;

    private SsdMobilenetV1(TfjsWeights w)
        : base(nameof(SsdMobilenetV1))
    {
        backbone.Add(SsdConv.Pointwise(w, "MobilenetV1/Conv2d_0_pointwise", 3, 3, 32, stride: 2));
        var channels = 32;
        for (var layer = 1; layer <= 13; layer++)
        {
            backbone.Add(SsdConv.Depthwise(w, $"MobilenetV1/Conv2d_{layer}_depthwise", channels, StridedLayers.Contains(layer) ? 2 : 1, BatchNormEpsilon));
            backbone.Add(SsdConv.Pointwise(w, $"MobilenetV1/Conv2d_{layer}_pointwise", 1, channels, PointwiseChannels[layer - 1], stride: 1));
            channels = PointwiseChannels[layer - 1];
        }

        // Prediction/Conv2d_0..7: 1x1 stride 1 and 3x3 stride 2 in turn.
        int[] extraChannels = [256, 512, 128, 256, 128, 256, 64, 128];
        for (var i = 0; i < extraChannels.Length; i++)
        {
            var odd = i % 2 == 1;
            extras.Add(SsdConv.Pointwise(w, $"Prediction/Conv2d_{i}_pointwise", odd ? 3 : 1, channels, extraChannels[i], stride: odd ? 2 : 1));
            channels = extraChannels[i];
        }

        // Box predictor inputs: conv 11 (512), the backbone's end (1024), then extras 1, 3, 5, 7; 3 anchors on the first map, 6 on the rest.
        int[] predictorChannels = [512, 1024, 512, 256, 256, 128];
        for (var p = 0; p < predictorChannels.Length; p++)
        {
            var perCell = p == 0 ? 3 : 6;
            classPredictors.Add(SsdConv.Predictor(w, $"Prediction/BoxPredictor_{p}/ClassPredictor", predictorChannels[p], 3 * perCell));
            boxPredictors.Add(SsdConv.Predictor(w, $"Prediction/BoxPredictor_{p}/BoxEncodingPredictor", predictorChannels[p], 4 * perCell));
        }

        var priors = w.Take("Output/extra_dim", 1, AnchorCount, 4);
        anchors = torch.tensor(priors.Data, [AnchorCount, 4]).DetachFromDisposeScope();

        // The TF graph's shape and preprocessing constants: face-api computes these itself, and so does this port.
        foreach (var name in w.Names.Where(n => n.StartsWith("Preprocessor/", StringComparison.Ordinal)
            || n.StartsWith("Postprocessor/", StringComparison.Ordinal)
            || n.StartsWith("concat", StringComparison.Ordinal)
            || n.Contains("/stack", StringComparison.Ordinal)
            || n.Contains("/strided_slice/", StringComparison.Ordinal)).ToList())
        {
            w.Skip(name);
        }

        RegisterComponents();
        w.EnsureAllTaken();
    }

    /// <summary>Builds the network from a tfjs manifest; every tensor but the graph constants must be used exactly once.</summary>
    public static SsdMobilenetV1 Load(string manifestPath)
    {
        var weights = TfjsWeights.Load(manifestPath, "the SSD MobileNet v1 face detector");
        using var scope = torch.NewDisposeScope();
        return new SsdMobilenetV1(weights);
    }

    /// <summary>x: [N, 3, 512, 512] float32 in [-1, 1]; returns boxes [N, 5118, 4] (normalised ymin, xmin, ymax, xmax) and face scores [N, 5118].</summary>
    public override (Tensor Boxes, Tensor Scores) forward(Tensor x)
    {
        Tensor? conv11 = null;
        for (var i = 0; i < backbone.Count; i++)
        {
            x = backbone[i].forward(x);

            // backbone[0] is conv 0; layer L's pointwise conv is backbone[2L].
            if (i == 22)
            {
                conv11 = x;
            }
        }

        var maps = new Tensor[6];
        maps[0] = conv11!;
        maps[1] = x;
        var y = x;
        for (var i = 0; i < extras.Count; i++)
        {
            y = extras[i].forward(y);
            if (i % 2 == 1)
            {
                maps[2 + (i / 2)] = y;
            }
        }

        var n = x.shape[0];
        var encodings = new Tensor[6];
        var logits = new Tensor[6];
        for (var p = 0; p < 6; p++)
        {
            // tfjs reshapes NHWC outputs: anchor index = (row * width + column) * perCell + k.
            encodings[p] = boxPredictors[p].forward(maps[p]).permute(0, 2, 3, 1).reshape(n, -1, 4);
            logits[p] = classPredictors[p].forward(maps[p]).permute(0, 2, 3, 1).reshape(n, -1, 3);
        }

        var boxes = Decode(torch.cat(encodings, 1));
        var scores = torch.cat(logits, 1).select(2, 1).sigmoid();
        return (boxes, scores);
    }

    // face-api's decodeBoxesLayer: centre offsets scaled by 1/10, log sizes by 1/5, relative to each prior box.
    private Tensor Decode(Tensor e)
    {
        var a0 = anchors.select(1, 0);
        var a1 = anchors.select(1, 1);
        var size0 = anchors.select(1, 2) - a0;
        var size1 = anchors.select(1, 3) - a1;
        var centre0 = a0 + (size0 / 2);
        var centre1 = a1 + (size1 / 2);

        var half0 = (e.select(2, 2) / 5).exp() * size0 / 2;
        var mid0 = (e.select(2, 0) / 10 * size0) + centre0;
        var half1 = (e.select(2, 3) / 5).exp() * size1 / 2;
        var mid1 = (e.select(2, 1) / 10 * size1) + centre1;
        return torch.stack([mid0 - half0, mid1 - half1, mid0 + half0, mid1 + half1], 2);
    }
}
