using FaceIndex.Embedding;
using TorchSharp;
using static TorchSharp.torch;
using F = TorchSharp.torch.nn.functional;

namespace FaceIndex.Detection;

/// <summary>One conv of face-api's SSD MobileNet v1 with TF's "same" padding, its bias (or folded batch norm) and optional ReLU6.</summary>
internal sealed class SsdConv : nn.Module<Tensor, Tensor>
{
    private readonly Tensor weight;
    private readonly Tensor bias;
    private readonly int _kernel;
    private readonly int _stride;
    private readonly long _groups;
    private readonly bool _relu6;

    private SsdConv(string name, float[] oihw, long[] shape, float[] bias, int kernel, int stride, long groups, bool relu6)
        : base(name)
    {
        weight = torch.tensor(oihw, shape).DetachFromDisposeScope();
        this.bias = torch.tensor(bias).DetachFromDisposeScope();
        _kernel = kernel;
        _stride = stride;
        _groups = groups;
        _relu6 = relu6;
        RegisterComponents();
    }

    /// <summary>A full conv (<c>{prefix}/weights</c>, HWIO) plus <c>convolution_bn_offset</c>, then ReLU6: face-api's pointwiseConvLayer.</summary>
    public static SsdConv Pointwise(TfjsWeights w, string prefix, int kernel, int inChannels, int outChannels, int stride)
    {
        var f = w.Take($"{prefix}/weights", kernel, kernel, inChannels, outChannels);
        var b = w.Take($"{prefix}/convolution_bn_offset", outChannels);
        return new SsdConv(prefix, HwioToOihw(f.Data, kernel, inChannels, outChannels), [outChannels, inChannels, kernel, kernel], b.Data, kernel, stride, 1, relu6: true);
    }

    /// <summary>A 3x3 depthwise conv with its batch norm folded in, then ReLU6: face-api's depthwiseConvLayer.</summary>
    public static SsdConv Depthwise(TfjsWeights w, string prefix, int channels, int stride, double epsilon)
    {
        var f = w.Take($"{prefix}/depthwise_weights", 3, 3, channels, 1);
        var gamma = w.Take($"{prefix}/BatchNorm/gamma", channels).Data;
        var beta = w.Take($"{prefix}/BatchNorm/beta", channels).Data;
        var mean = w.Take($"{prefix}/BatchNorm/moving_mean", channels).Data;
        var variance = w.Take($"{prefix}/BatchNorm/moving_variance", channels).Data;

        // batchNorm(y) = beta + (y - mean) * gamma / sqrt(var + eps) = s * y + (beta - s * mean): folded into the filters, in double.
        var oihw = HwioToOihw(f.Data, 3, channels, 1);
        var folded = new float[channels];
        for (var c = 0; c < channels; c++)
        {
            var s = gamma[c] / Math.Sqrt(variance[c] + epsilon);
            for (var k = 0; k < 9; k++)
            {
                oihw[(c * 9) + k] = (float)(oihw[(c * 9) + k] * s);
            }

            folded[c] = (float)(beta[c] - (s * mean[c]));
        }

        // HWIO [3, 3, C, 1] read as [C out, 1 in, 3, 3] with groups = C.
        return new SsdConv(prefix, oihw, [channels, 1, 3, 3], folded, 3, stride, channels, relu6: true);
    }

    /// <summary>A 1x1 conv with bias and no activation: a box or class predictor.</summary>
    public static SsdConv Predictor(TfjsWeights w, string prefix, int inChannels, int outChannels)
    {
        var f = w.Take($"{prefix}/weights", 1, 1, inChannels, outChannels);
        var b = w.Take($"{prefix}/biases", outChannels);
        return new SsdConv(prefix, HwioToOihw(f.Data, 1, inChannels, outChannels), [outChannels, inChannels, 1, 1], b.Data, 1, 1, 1, relu6: false);
    }

    public override Tensor forward(Tensor x)
    {
        // TF's "same": out = ceil(in / stride), and an odd total pad puts the extra row and column at the bottom and
        // right. For the stride-2 3x3 convs on even maps that is 0 before and 1 after, which torch's symmetric padding
        // cannot express.
        var (top, bottom) = SamePadding(x.shape[2]);
        var (left, right) = SamePadding(x.shape[3]);
        long[] padding;
        if (top == bottom && left == right)
        {
            padding = [top, left];
        }
        else
        {
            x = F.pad(x, [left, right, top, bottom]);
            padding = [0, 0];
        }

        var y = F.conv2d(x, weight, bias, [_stride, _stride], padding, groups: _groups);
        return _relu6 ? y.clamp_(0, 6) : y;
    }

    private (long Before, long After) SamePadding(long size)
    {
        var output = (size + _stride - 1) / _stride;
        var total = Math.Max(((output - 1) * _stride) + _kernel - size, 0);
        return (total / 2, total - (total / 2));
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
