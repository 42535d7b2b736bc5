using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FaceIndex.Embedding;

/// <summary>
/// dlib's dlib_face_recognition_resnet_model_v1 (a 29-layer ResNet, 150x150 RGB in, 128 floats out) as TorchSharp
/// modules, with face-api's weights. Immutable after construction, so concurrent forward calls are safe.
/// </summary>
internal sealed class DlibResNet : nn.Module<Tensor, Tensor>
{
    private readonly AffineConv conv32_down;
    private readonly ResidualBlock conv32_1;
    private readonly ResidualBlock conv32_2;
    private readonly ResidualBlock conv32_3;
    private readonly ResidualBlock conv64_down;
    private readonly ResidualBlock conv64_1;
    private readonly ResidualBlock conv64_2;
    private readonly ResidualBlock conv64_3;
    private readonly ResidualBlock conv128_down;
    private readonly ResidualBlock conv128_1;
    private readonly ResidualBlock conv128_2;
    private readonly ResidualBlock conv256_down;
    private readonly ResidualBlock conv256_1;
    private readonly ResidualBlock conv256_2;
    private readonly ResidualBlock conv256_down_out;
    private readonly Tensor fc;

    private DlibResNet(TfjsWeights w, bool fold)
        : base(nameof(DlibResNet))
    {
        conv32_down = new AffineConv(w, "conv32_down", 3, 32, 7, stride: 2, fold);
        conv32_1 = new ResidualBlock(w, "conv32_1", 32, 32, fold);
        conv32_2 = new ResidualBlock(w, "conv32_2", 32, 32, fold);
        conv32_3 = new ResidualBlock(w, "conv32_3", 32, 32, fold);
        conv64_down = new ResidualBlock(w, "conv64_down", 32, 64, fold);
        conv64_1 = new ResidualBlock(w, "conv64_1", 64, 64, fold);
        conv64_2 = new ResidualBlock(w, "conv64_2", 64, 64, fold);
        conv64_3 = new ResidualBlock(w, "conv64_3", 64, 64, fold);
        conv128_down = new ResidualBlock(w, "conv128_down", 64, 128, fold);
        conv128_1 = new ResidualBlock(w, "conv128_1", 128, 128, fold);
        conv128_2 = new ResidualBlock(w, "conv128_2", 128, 128, fold);
        conv256_down = new ResidualBlock(w, "conv256_down", 128, 256, fold);
        conv256_1 = new ResidualBlock(w, "conv256_1", 256, 256, fold);
        conv256_2 = new ResidualBlock(w, "conv256_2", 256, 256, fold);
        conv256_down_out = new ResidualBlock(w, "conv256_down_out", 256, 256, fold, down: true);

        // TF stores fc as [in 256, out 128]; linear wants [out, in].
        var fcTf = w.Take("fc", 256, 128);
        using (var t = torch.tensor(fcTf.Data, [256, 128]))
        {
            fc = t.t().contiguous().DetachFromDisposeScope();
        }

        RegisterComponents();
        w.EnsureAllTaken();
    }

    /// <summary>The chip side the network expects.</summary>
    public const int InputSize = 150;

    /// <summary>The embedding length.</summary>
    public const int OutputSize = 128;

    /// <summary>Whether each per-channel affine (and the conv bias) was folded into its conv's filters.</summary>
    public bool Folded { get; private init; }

    /// <summary>Builds the network from a tfjs manifest; every tensor must be used exactly once.</summary>
    public static DlibResNet Load(string manifestPath, bool fold)
    {
        var weights = TfjsWeights.Load(manifestPath);
        using var scope = torch.NewDisposeScope();
        return new DlibResNet(weights, fold) { Folded = fold };
    }

    /// <summary>x: [N, 3, 150, 150] float32, already normalised; returns [N, 128].</summary>
    public override Tensor forward(Tensor x)
    {
        x = F.relu(conv32_down.forward(x));
        x = F.max_pool2d(x, [3, 3], [2, 2]);
        x = conv32_1.forward(x);
        x = conv32_2.forward(x);
        x = conv32_3.forward(x);
        x = conv64_down.forward(x);
        x = conv64_1.forward(x);
        x = conv64_2.forward(x);
        x = conv64_3.forward(x);
        x = conv128_down.forward(x);
        x = conv128_1.forward(x);
        x = conv128_2.forward(x);
        x = conv256_down.forward(x);
        x = conv256_1.forward(x);
        x = conv256_2.forward(x);
        x = conv256_down_out.forward(x);

        // The last map is 2x2 with the zero-extended main path: the zeros count in the mean, as in dlib.
        x = x.mean([2, 3]);
        return F.linear(x, fc);
    }
}

/// <summary>A conv with bias followed by dlib's per-channel affine (scale/weights, scale/biases); optionally folded into one conv.</summary>
internal sealed class AffineConv : nn.Module<Tensor, Tensor>
{
    private readonly Tensor filters;
    private readonly Tensor bias;
    private readonly Tensor? scale;
    private readonly Tensor? shift;
    private readonly long[] _stride;
    private readonly long[] _padding;

    public AffineConv(TfjsWeights w, string prefix, int inChannels, int outChannels, int kernel, int stride, bool fold)
        : base(prefix)
    {
        var f = w.Take($"{prefix}/conv/filters", kernel, kernel, inChannels, outChannels);
        var b = w.Take($"{prefix}/conv/bias", outChannels);
        var s = w.Take($"{prefix}/scale/weights", outChannels);
        var t = w.Take($"{prefix}/scale/biases", outChannels);

        // dlib (and face-api) pad stride-1 convs by k/2 and stride-2 convs not at all.
        _stride = [stride, stride];
        _padding = stride == 1 ? [kernel / 2, kernel / 2] : [0, 0];

        var oihw = HwioToOihw(f.Data, kernel, inChannels, outChannels);
        if (fold)
        {
            // y = s * (W x + b) + t = (s W) x + (s b + t); computed in double, rounded once.
            var per = kernel * kernel * inChannels;
            for (var o = 0; o < outChannels; o++)
            {
                for (var i = 0; i < per; i++)
                {
                    oihw[(o * per) + i] = (float)((double)oihw[(o * per) + i] * s.Data[o]);
                }
            }

            var folded = new float[outChannels];
            for (var o = 0; o < outChannels; o++)
            {
                folded[o] = (float)(((double)b.Data[o] * s.Data[o]) + t.Data[o]);
            }

            bias = torch.tensor(folded).DetachFromDisposeScope();
        }
        else
        {
            bias = torch.tensor(b.Data).DetachFromDisposeScope();
            scale = torch.tensor(s.Data, [1, outChannels, 1, 1]).DetachFromDisposeScope();
            shift = torch.tensor(t.Data, [1, outChannels, 1, 1]).DetachFromDisposeScope();
        }

        filters = torch.tensor(oihw, [outChannels, inChannels, kernel, kernel]).DetachFromDisposeScope();
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var y = F.conv2d(x, filters, bias, _stride, _padding);
        return scale is null ? y : y.mul_(scale).add_(shift!);
    }

    // TF's HWIO to torch's OIHW: a transpose (3, 2, 0, 1), no flipping (both are cross-correlations).
    private static float[] HwioToOihw(float[] hwio, int k, int cin, int cout)
    {
        var oihw = new float[hwio.Length];
        for (var h = 0; h < k; h++)
        {
            for (var w = 0; w < k; w++)
            {
                for (var i = 0; i < cin; i++)
                {
                    var src = (((h * k) + w) * cin + i) * cout;
                    for (var o = 0; o < cout; o++)
                    {
                        oihw[(((o * cin) + i) * k + h) * k + w] = hwio[src + o];
                    }
                }
            }
        }

        return oihw;
    }
}

/// <summary>
/// dlib's residual block: ReLU(conv2(ReLU(conv1(x))) + skip(x)). A down-sampling block (more channels, or the
/// *_down* blocks) strides conv1 by 2 and its skip is a 2x2/2 average pool, zero-filled to the new channel count.
/// </summary>
internal sealed class ResidualBlock : nn.Module<Tensor, Tensor>
{
    private readonly AffineConv conv1;
    private readonly AffineConv conv2;
    private readonly bool _down;
    private readonly long _extraChannels;

    public ResidualBlock(TfjsWeights w, string prefix, int inChannels, int outChannels, bool fold, bool down = false)
        : base(prefix)
    {
        _down = down || inChannels != outChannels;
        _extraChannels = outChannels - inChannels;
        conv1 = new AffineConv(w, $"{prefix}/conv1", inChannels, outChannels, 3, _down ? 2 : 1, fold);
        conv2 = new AffineConv(w, $"{prefix}/conv2", outChannels, outChannels, 3, 1, fold);
        RegisterComponents();
    }

    public override Tensor forward(Tensor x)
    {
        var main = conv2.forward(F.relu(conv1.forward(x)));
        if (!_down)
        {
            return F.relu(main.add_(x));
        }

        var skip = F.avg_pool2d(x, [2, 2], [2, 2]);
        if (_extraChannels > 0)
        {
            skip = F.pad(skip, [0, 0, 0, 0, 0, _extraChannels]);
        }

        // Where sizes differ (3x3 vs 4x4, then 1x1 vs 2x2) dlib's add_prev zero-extends the smaller at the bottom/right.
        long mh = main.shape[2], mw = main.shape[3], sh = skip.shape[2], sw = skip.shape[3];
        if (mh < sh || mw < sw)
        {
            main = F.pad(main, [0, Math.Max(0, sw - mw), 0, Math.Max(0, sh - mh)]);
        }

        if (sh < mh || sw < mw)
        {
            skip = F.pad(skip, [0, Math.Max(0, mw - sw), 0, Math.Max(0, mh - sh)]);
        }

        return F.relu(main.add_(skip));
    }
}
