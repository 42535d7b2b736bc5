using System.Buffers;
using FaceIndex.Imaging;
using FaceIndex.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceIndex.Embedding;

/// <summary>Options of <see cref="DlibResNetEmbedder"/>.</summary>
public sealed record DlibResNetOptions
{
    /// <summary>Fold each conv's bias and per-channel affine into its filters at load (faster, same output within 1e-6).</summary>
    public bool FoldAffine { get; init; } = true;

    /// <summary>Flip test-time augmentation: the mean of the chip's and its mirror's outputs. Changes <see cref="IFaceEmbedder.ModelId"/>.</summary>
    public bool FlipTta { get; init; }

    /// <summary>libtorch intra-op threads; null leaves libtorch's setting. This is per process: it affects every embedder.</summary>
    public int? Threads { get; init; }

    /// <summary>Chips run through the network at once; larger requests are split (bounds memory).</summary>
    public int MaxBatchSize { get; init; } = 64;
}

/// <summary>
/// dlib's ResNet-29 face recognition network (face-api's weights) in TorchSharp: 150x150 RGB chips to 128 raw floats,
/// not L2-normalised (dlib's 0.6 threshold is on the raw Euclidean distance). Embed is thread-safe: the network is
/// loaded once per process (sha256-checked) and shared, read-only, by every embedder with the same <see cref="DlibResNetOptions.FoldAffine"/>;
/// disposing an embedder frees only a network of its own (<see cref="FromManifest"/>).
/// </summary>
public sealed class DlibResNetEmbedder : IFaceEmbedder
{
    /// <summary>The id of plain embeddings; flip-TTA embeddings add "+flip".</summary>
    public const string BaseModelId = "dlib-resnet29-v1/face-api-1.7.15";

    // face-api's input normalisation: (RGB - mean) / 255 (dlib's own input layer divides by 256).
    private static readonly float[] Mean = [122.782f, 117.001f, 104.298f];

    // Built on first use and kept for the process; a failed load is not cached, so a fixed setup can be retried.
    private static readonly Lock SharedGate = new();
    private static string? _verifiedManifest;
    private static DlibResNet? _sharedFolded;
    private static DlibResNet? _sharedUnfolded;

    private readonly DlibResNet _net;
    private readonly DlibResNetOptions _options;
    private readonly bool _ownsNet;
    private volatile bool _disposed;

    /// <summary>Uses the process-wide network built from the pinned face-api files (verified once per process).</summary>
    public DlibResNetEmbedder(DlibResNetOptions? options = null)
        : this(options ?? new DlibResNetOptions(), null)
    {
    }

    private DlibResNetEmbedder(DlibResNetOptions options, DlibResNet? own)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxBatchSize, nameof(options));
        if (options.Threads is { } threads)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(threads, nameof(options));
        }

        TorchRuntime.Initialise(options.Threads);
        _options = options;
        _ownsNet = own is not null;
        _net = own ?? Shared(options.FoldAffine);
    }

    public string ModelId => _options.FlipTta ? BaseModelId + "+flip" : BaseModelId;

    public int Dimension => DlibResNet.OutputSize;

    public int ChipSize => DlibResNet.InputSize;

    /// <summary>The options this embedder runs with.</summary>
    public DlibResNetOptions Options => _options;

    /// <summary>
    /// An embedder that owns its own network, built from <paramref name="manifestPath"/> with no sha256 pin
    /// (for other copies of the same weights); disposing it frees the network.
    /// </summary>
    public static DlibResNetEmbedder FromManifest(string manifestPath, DlibResNetOptions? options = null)
    {
        var opts = options ?? new DlibResNetOptions();
        return new DlibResNetEmbedder(opts, DlibResNet.Load(manifestPath, opts.FoldAffine));
    }

    private static DlibResNet Shared(bool fold)
    {
        lock (SharedGate)
        {
            if (_verifiedManifest is null)
            {
                ModelFiles.Verify(ModelFiles.FaceApiWeights);
                _verifiedManifest = ModelFiles.Verify(ModelFiles.FaceApiManifest);
            }

            return fold
                ? _sharedFolded ??= DlibResNet.Load(_verifiedManifest, fold: true)
                : _sharedUnfolded ??= DlibResNet.Load(_verifiedManifest, fold: false);
        }
    }

    public float[][] Embed(IReadOnlyList<RgbImage> chips)
    {
        ObjectDisposedException.ThrowIf(_disposed, this);
        ArgumentNullException.ThrowIfNull(chips);
        for (var i = 0; i < chips.Count; i++)
        {
            var chip = chips[i] ?? throw new ArgumentException($"chip {i} is null", nameof(chips));
            if (chip.Width != ChipSize || chip.Height != ChipSize)
            {
                throw new FaceIndexException(
                    $"chip {i} is {chip.Width}x{chip.Height}; the dlib ResNet embedder needs {ChipSize}x{ChipSize} aligned chips " +
                    "(align with size 150, padding 0.25)");
            }
        }

        var result = new float[chips.Count][];
        for (var start = 0; start < chips.Count; start += _options.MaxBatchSize)
        {
            var n = Math.Min(_options.MaxBatchSize, chips.Count - start);
            RunBatch(chips, start, n, result);
        }

        return result;
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (_ownsNet)
        {
            _net.Dispose();
        }
    }

    private void RunBatch(IReadOnlyList<RgbImage> chips, int start, int n, float[][] result)
    {
        var plane = ChipSize * ChipSize;
        var per = 3 * plane;
        var buffer = ArrayPool<float>.Shared.Rent(n * per);
        try
        {
            for (var b = 0; b < n; b++)
            {
                Normalise(chips[start + b].Pixels, buffer.AsSpan(b * per, per), plane);
            }

            using var scope = torch.NewDisposeScope();
            using var mode = torch.inference_mode();
            var input = torch.empty([n, 3, ChipSize, ChipSize], ScalarType.Float32);
            using (var access = input.data<float>())
            {
                access.CopyFrom(new ReadOnlySpan<float>(buffer, 0, n * per), 0, 0);
            }

            Tensor output;
            if (_options.FlipTta)
            {
                // One pass over [chips; mirrored chips], then the mean of the two halves.
                var both = _net.forward(torch.cat([input, input.flip(3)], 0));
                output = both[..n].add(both[n..]).mul_(0.5f);
            }
            else
            {
                output = _net.forward(input);
            }

            using var values = output.contiguous().data<float>();
            for (var b = 0; b < n; b++)
            {
                var v = new float[Dimension];
                values.CopyTo(v, 0, (long)b * Dimension);
                result[start + b] = v;
            }
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    // HWC bytes to planar CHW floats, (p - mean[c]) / 255 in float32 as tfjs computes it.
    private static void Normalise(ReadOnlySpan<byte> rgb, Span<float> chw, int plane)
    {
        var r = chw[..plane];
        var g = chw.Slice(plane, plane);
        var bl = chw.Slice(2 * plane, plane);
        for (int i = 0, p = 0; i < plane; i++, p += 3)
        {
            r[i] = (rgb[p] - Mean[0]) / 255f;
            g[i] = (rgb[p + 1] - Mean[1]) / 255f;
            bl[i] = (rgb[p + 2] - Mean[2]) / 255f;
        }
    }
}
