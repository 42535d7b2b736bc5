using System.Globalization;
using System.Security.Cryptography;
using FaceIndex.Alignment;
using FaceIndex.Imaging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace FaceIndex.Embedding.Onnx;

/// <summary>
/// A face-recognition network run by ONNX Runtime, described by a <see cref="ModelManifest"/>: chips are normalised
/// as the manifest says, laid out NCHW or NHWC, and run in batches (one at a time when the model's batch axis is
/// fixed at 1). The file is hashed and checked against the manifest, and the graph's input and output against its
/// fields, before the first chip. Embed is thread-safe (ONNX Runtime sessions are).
/// </summary>
public sealed class OnnxFaceEmbedder : IFaceEmbedder
{
    private readonly InferenceSession _session;
    private readonly ModelManifest _manifest;
    private readonly OnnxEmbedderOptions _options;
    private readonly int _fixedBatch;
    private readonly float[] _mean;
    private readonly float[] _mul;
    private readonly int[] _sourceChannel;

    private OnnxFaceEmbedder(InferenceSession session, ModelManifest manifest, OnnxEmbedderOptions options, int fixedBatch)
    {
        _session = session;
        _manifest = manifest;
        _options = options;
        _fixedBatch = fixedBatch;
        _mean = [.. manifest.Mean];
        _mul = manifest.Multipliers;
        _sourceChannel = manifest.ChannelOrder == ChannelOrder.Bgr ? [2, 1, 0] : [0, 1, 2];
    }

    /// <summary>The manifest this embedder runs.</summary>
    public ModelManifest Manifest => _manifest;

    /// <summary>"name/sha256:…", plus "+flip" with flip averaging.</summary>
    public string ModelId => IdOf(_manifest, _options.FlipTta);

    public int Dimension => _manifest.Dimension;

    public int ChipSize => _manifest.InputSize;

    /// <summary>The model id for <paramref name="manifest"/>: its name and the file's sha256 (what is stored with every embedding).</summary>
    public static string IdOf(ModelManifest manifest, bool flip = false)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        return $"{manifest.Name}/sha256:{manifest.Sha256}{(flip ? "+flip" : string.Empty)}";
    }

    /// <summary>
    /// Loads the model of <paramref name="manifest"/> (its file relative to <paramref name="manifestDirectory"/>), checking
    /// the file, its sha256 and the graph against the manifest; every mismatch names the manifest field to fix.
    /// </summary>
    public static OnnxFaceEmbedder Load(ModelManifest manifest, string? manifestDirectory = null, OnnxEmbedderOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(manifest);
        manifest.ValidateFields();
        var opts = options ?? new OnnxEmbedderOptions();
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(opts.MaxBatchSize, nameof(options));
        ArgumentOutOfRangeException.ThrowIfNegative(opts.Threads, nameof(options));
        var path = manifest.FilePath(manifestDirectory);
        if (!File.Exists(path))
        {
            throw manifest.Field("file", $"names {path}, which does not exist: fetch the model (bash scripts/setup.sh for the bundled one) or fix the path");
        }

        // Hash and load the same bytes, so the file cannot change between the check and the load.
        var bytes = File.ReadAllBytes(path);
        var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
        if (!string.Equals(actual, manifest.Sha256, StringComparison.OrdinalIgnoreCase))
        {
            throw manifest.Field("sha256", $"is {manifest.Sha256}, but {path} hashes to {actual}: the file is not the one the manifest describes");
        }

        using var sessionOptions = new SessionOptions
        {
            IntraOpNumThreads = opts.Threads,
            InterOpNumThreads = 1,
            ExecutionMode = ExecutionMode.ORT_SEQUENTIAL,
            GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL,
        };
        // Idle intra-op threads sleep instead of spinning: with 2 threads on a busy 2-core machine, spinning halved
        // throughput (22 against 44 chips/s on 1 thread; bench --model, load ~15).
        sessionOptions.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        InferenceSession session;
        try
        {
            session = new InferenceSession(bytes, sessionOptions);
        }
        catch (OnnxRuntimeException ex)
        {
            throw manifest.Field("file", $"({path}) is not a model ONNX Runtime can load: {ex.Message}");
        }

        try
        {
            var fixedBatch = CheckGraph(session, manifest);
            return new OnnxFaceEmbedder(session, manifest, opts, fixedBatch);
        }
        catch
        {
            session.Dispose();
            throw;
        }
    }

    /// <summary>The graph's inputs and outputs, as "name [dims] type" lines (for messages and <c>models add</c>).</summary>
    public static string DescribeGraph(InferenceSession session)
    {
        ArgumentNullException.ThrowIfNull(session);
        static string Line(KeyValuePair<string, NodeMetadata> kv) =>
            $"{kv.Key} [{string.Join(',', kv.Value.Dimensions.Select(d => d < 0 ? "?" : d.ToString(CultureInfo.InvariantCulture)))}] {kv.Value.ElementDataType}";
        return $"inputs: {string.Join("; ", session.InputMetadata.Select(Line))}; outputs: {string.Join("; ", session.OutputMetadata.Select(Line))}";
    }

    public float[][] Embed(IReadOnlyList<RgbImage> chips)
    {
        ArgumentNullException.ThrowIfNull(chips);
        for (var i = 0; i < chips.Count; i++)
        {
            var chip = chips[i] ?? throw new ArgumentException($"chip {i} is null", nameof(chips));
            if (chip.Width != ChipSize || chip.Height != ChipSize)
            {
                throw new FaceIndexException(
                    $"chip {i} is {chip.Width}x{chip.Height}; model '{_manifest.Name}' needs {ChipSize}x{ChipSize} chips aligned with '{FaceAligners.Name(_manifest.Alignment)}'");
            }
        }

        IReadOnlyList<RgbImage> all = _options.FlipTta ? [.. chips, .. chips.Select(ChipJitter.Mirror)] : chips;
        var outputs = new float[all.Count][];
        var batch = _fixedBatch > 0 ? _fixedBatch : _options.MaxBatchSize;
        for (var start = 0; start < all.Count; start += batch)
        {
            RunBatch(all, start, Math.Min(batch, all.Count - start), outputs);
        }

        if (!_options.FlipTta)
        {
            return outputs;
        }

        var result = new float[chips.Count][];
        for (var i = 0; i < chips.Count; i++)
        {
            var mean = new float[Dimension];
            System.Numerics.Tensors.TensorPrimitives.Add(outputs[i], outputs[chips.Count + i], mean);
            System.Numerics.Tensors.TensorPrimitives.Multiply(mean, 0.5f, mean);
            result[i] = mean;
        }

        return result;
    }

    public void Dispose() => _session.Dispose();

    // Checks the input and output against the manifest; returns the fixed batch size (0 when the batch axis is free).
    private static int CheckGraph(InferenceSession session, ModelManifest m)
    {
        if (!session.InputMetadata.TryGetValue(m.InputName, out var input))
        {
            throw m.Field("inputName", $"is '{m.InputName}', but the model has no such input ({DescribeGraph(session)})");
        }

        if (input.ElementDataType != TensorElementType.Float)
        {
            throw m.Field("inputName", $"names input '{m.InputName}' of type {input.ElementDataType}; FaceIndex feeds float32");
        }

        var d = input.Dimensions;
        var shape = $"[{string.Join(',', d.Select(x => x < 0 ? "?" : x.ToString(CultureInfo.InvariantCulture)))}]";
        if (d.Length != 4)
        {
            throw m.Field("inputName", $"names input '{m.InputName}' of shape {shape}; an image input has 4 axes");
        }

        bool Is(int axis, int value) => d[axis] < 0 || d[axis] == value;
        var nchw = d[1] == 3;
        var nhwc = d[3] == 3;
        if (m.Layout == TensorLayout.Nchw && !Is(1, 3))
        {
            throw m.Field("layout", $"is nchw, but input '{m.InputName}' is {shape}{(nhwc ? ", channels last: set layout to nhwc" : string.Empty)}");
        }

        if (m.Layout == TensorLayout.Nhwc && !Is(3, 3))
        {
            throw m.Field("layout", $"is nhwc, but input '{m.InputName}' is {shape}{(nchw ? ", channels first: set layout to nchw" : string.Empty)}");
        }

        var (h, w) = m.Layout == TensorLayout.Nchw ? (2, 3) : (1, 2);
        if (!Is(h, m.InputSize) || !Is(w, m.InputSize))
        {
            throw m.Field("inputSize", $"is {m.InputSize}, but input '{m.InputName}' is {shape}: set inputSize to the model's {Math.Max(d[h], d[w])}");
        }

        if (!session.OutputMetadata.TryGetValue(m.OutputName, out var output))
        {
            throw m.Field("outputName", $"is '{m.OutputName}', but the model has no such output ({DescribeGraph(session)})");
        }

        var od = output.Dimensions;
        var last = od.Length > 0 ? od[^1] : 0;
        if (od.Length != 2 || (last > 0 && last != m.Dimension))
        {
            throw m.Field("dimension", $"is {m.Dimension}, but output '{m.OutputName}' is [{string.Join(',', od)}]" + (last > 0 ? $": set dimension to {last}" : string.Empty));
        }

        return d[0] > 0 ? d[0] : 0;
    }

    private void RunBatch(IReadOnlyList<RgbImage> chips, int start, int n, float[][] outputs)
    {
        var size = ChipSize;
        var plane = size * size;
        var per = 3 * plane;
        var data = new float[n * per];
        for (var b = 0; b < n; b++)
        {
            Fill(chips[start + b].Pixels, data.AsSpan(b * per, per), plane);
        }

        long[] shape = _manifest.Layout == TensorLayout.Nchw ? [n, 3, size, size] : [n, size, size, 3];
        using var input = OrtValue.CreateTensorValueFromMemory(data, shape);
        using var runOptions = new RunOptions();
        using var results = _session.Run(runOptions, [_manifest.InputName], [input], [_manifest.OutputName]);
        var values = results[0].GetTensorDataAsSpan<float>();
        if (values.Length != n * Dimension)
        {
            throw new FaceIndexException($"model '{_manifest.Name}' returned {values.Length} values for {n} chips; its manifest says dimension {Dimension}");
        }

        for (var b = 0; b < n; b++)
        {
            outputs[start + b] = values.Slice(b * Dimension, Dimension).ToArray();
        }
    }

    // HWC RGB bytes to the model's layout and channel order, (p - mean[c]) * mul[c].
    private void Fill(ReadOnlySpan<byte> rgb, Span<float> dst, int plane)
    {
        if (_manifest.Layout == TensorLayout.Nchw)
        {
            for (var c = 0; c < 3; c++)
            {
                var target = dst.Slice(c * plane, plane);
                var src = _sourceChannel[c];
                var mean = _mean[c];
                var mul = _mul[c];
                for (int i = 0, p = src; i < plane; i++, p += 3)
                {
                    target[i] = (rgb[p] - mean) * mul;
                }
            }
        }
        else
        {
            for (int i = 0, p = 0; i < plane; i++, p += 3)
            {
                for (var c = 0; c < 3; c++)
                {
                    dst[(i * 3) + c] = (rgb[p + _sourceChannel[c]] - _mean[c]) * _mul[c];
                }
            }
        }
    }
}
