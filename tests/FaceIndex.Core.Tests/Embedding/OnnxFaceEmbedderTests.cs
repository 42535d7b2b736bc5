using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;
using FaceIndex.Imaging;
using FaceIndex.Models;
using FaceIndex.Tests;
using FaceIndex.Tests.Evaluation;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>
/// A real ONNX Runtime session on small graphs the test writes itself (<see cref="TinyOnnx"/>): outputs against an
/// independent computation, every layout and channel order, batching, flip, and each manifest error naming its field.
/// </summary>
public sealed class OnnxFaceEmbedderTests : IDisposable
{
    private const int Size = 4;
    private const int Outputs = 5;
    private const int Features = 3 * Size * Size;
    private static readonly float[] Mean = [10f, 20f, 30f];
    private static readonly float[] Std = [2f, 4f, 8f];

    private readonly TempDir _dir = new();
    private readonly float[] _weights;
    private readonly float[] _bias;

    public OnnxFaceEmbedderTests()
    {
        var random = new Random(7);
        _weights = [.. Enumerable.Range(0, Features * Outputs).Select(_ => (float)((random.NextDouble() * 2) - 1))];
        _bias = [.. Enumerable.Range(0, Outputs).Select(_ => (float)random.NextDouble())];
    }

    public void Dispose() => _dir.Dispose();

    [Theory]
    [InlineData(TensorLayout.Nchw, ChannelOrder.Rgb)]
    [InlineData(TensorLayout.Nchw, ChannelOrder.Bgr)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Rgb)]
    [InlineData(TensorLayout.Nhwc, ChannelOrder.Bgr)]
    public void A_batch_gives_what_the_graph_computes_by_hand(TensorLayout layout, ChannelOrder order)
    {
        var manifest = Write(layout == TensorLayout.Nchw ? [-1, 3, Size, Size] : [-1, Size, Size, 3]) with { Layout = layout, ChannelOrder = order };
        var chips = Chips(3, seed: 1);
        using var embedder = OnnxFaceEmbedder.Load(manifest);

        var outputs = embedder.Embed(chips);

        Assert.Equal(3, outputs.Length);
        for (var i = 0; i < chips.Length; i++)
        {
            AssertClose(Expected(chips[i], layout, order), outputs[i], $"chip {i}");
        }
    }

    [Fact]
    public void A_model_with_batch_fixed_at_one_runs_chip_by_chip()
    {
        var manifest = Write([1, 3, Size, Size]);
        var chips = Chips(4, seed: 2);
        using var embedder = OnnxFaceEmbedder.Load(manifest);

        var outputs = embedder.Embed(chips);

        for (var i = 0; i < chips.Length; i++)
        {
            AssertClose(Expected(chips[i], TensorLayout.Nchw, ChannelOrder.Rgb), outputs[i], $"chip {i}");
        }
    }

    [Fact]
    public void Flip_averages_a_chip_with_its_mirror_and_changes_the_model_id()
    {
        var manifest = Write([-1, 3, Size, Size]);
        var chip = Chips(1, seed: 3)[0];
        using var plain = OnnxFaceEmbedder.Load(manifest);
        using var flipped = OnnxFaceEmbedder.Load(manifest, options: new OnnxEmbedderOptions(FlipTta: true));

        var output = flipped.Embed([chip])[0];

        var a = Expected(chip, TensorLayout.Nchw, ChannelOrder.Rgb);
        var b = Expected(ChipJitter.Mirror(chip), TensorLayout.Nchw, ChannelOrder.Rgb);
        AssertClose([.. a.Zip(b, (x, y) => (x + y) / 2)], output, "flip");
        Assert.EndsWith("+flip", flipped.ModelId, StringComparison.Ordinal);
        Assert.Equal($"tiny/sha256:{manifest.Sha256}", plain.ModelId);
    }

    [Fact]
    public void A_wrong_input_name_is_named_with_the_models_inputs()
    {
        var manifest = Write([-1, 3, Size, Size]) with { InputName = "data" };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest));
        Assert.Contains("'inputName'", error.Message, StringComparison.Ordinal);
        Assert.Contains("pixels", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_size_is_named_with_the_models_size()
    {
        var manifest = Write([-1, 3, Size, Size]) with { InputSize = 112 };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest));
        Assert.Contains("'inputSize'", error.Message, StringComparison.Ordinal);
        Assert.Contains("set inputSize to the model's 4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nchw_against_a_channels_last_model_says_to_set_nhwc()
    {
        var manifest = Write([-1, Size, Size, 3]) with { Layout = TensorLayout.Nchw };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest));
        Assert.Contains("'layout'", error.Message, StringComparison.Ordinal);
        Assert.Contains("set layout to nhwc", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Nhwc_against_a_channels_first_model_says_to_set_nchw()
    {
        var manifest = Write([-1, 3, Size, Size]) with { Layout = TensorLayout.Nhwc };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest));
        Assert.Contains("'layout'", error.Message, StringComparison.Ordinal);
        Assert.Contains("set layout to nchw", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_file_is_named()
    {
        var manifest = Write([-1, 3, Size, Size]) with { File = Path.Combine(_dir.Path, "absent.onnx") };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest));
        Assert.Contains("'file'", error.Message, StringComparison.Ordinal);
        Assert.Contains("absent.onnx", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sha256_mismatch_names_both_hashes()
    {
        var manifest = Write([-1, 3, Size, Size]);
        var wrong = manifest with { Sha256 = new string('0', 64) };
        var error = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(wrong));
        Assert.Contains("'sha256'", error.Message, StringComparison.Ordinal);
        Assert.Contains(manifest.Sha256, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_wrong_output_name_or_dimension_is_named()
    {
        var manifest = Write([-1, 3, Size, Size]);
        var name = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest with { OutputName = "fc1" }));
        Assert.Contains("'outputName'", name.Message, StringComparison.Ordinal);
        var dim = Assert.Throws<FaceIndexException>(() => OnnxFaceEmbedder.Load(manifest with { Dimension = 512 }));
        Assert.Contains("'dimension'", dim.Message, StringComparison.Ordinal);
        Assert.Contains("set dimension to 5", dim.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_chip_of_the_wrong_size_is_refused()
    {
        using var embedder = OnnxFaceEmbedder.Load(Write([-1, 3, Size, Size]));
        var error = Assert.Throws<FaceIndexException>(() => embedder.Embed([new RgbImage(8, 8, new byte[8 * 8 * 3])]));
        Assert.Contains("4x4", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_added_model_is_stored_in_the_library_and_found_again_by_name()
    {
        var manifest = Write([-1, 3, Size, Size]);
        var manifestPath = Path.Combine(_dir.Path, "given.json");
        manifest.Write(manifestPath);
        var library = Path.Combine(_dir.Path, "library");

        var added = ModelRegistry.Open(library).Add("mine", manifest.File, manifestPath, preset: null);
        var found = ModelRegistry.Open(library).Resolve("mine");

        Assert.Equal($"mine/sha256:{manifest.Sha256}", found.ModelId());
        Assert.Equal(added.ModelId(), found.ModelId());
        Assert.Equal(TensorLayout.Nchw, found.Manifest!.Layout);
        using var embedder = ModelRegistry.CreateEmbedder(found);
        var chip = Chips(1, seed: 4)[0];
        AssertClose(Expected(chip, TensorLayout.Nchw, ChannelOrder.Rgb), embedder.Embed([chip])[0], "registered");
        var again = Assert.Throws<FaceIndexException>(() => ModelRegistry.Open(library).Add("mine", manifest.File, manifestPath, null));
        Assert.Contains("already exists", again.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_manifest_round_trips_through_json_with_readable_enums()
    {
        var manifest = Write([-1, 3, Size, Size]) with { ChannelOrder = ChannelOrder.Bgr, Alignment = AlignmentKind.Affine3, Distance = EmbeddingMetric.Euclidean };
        var path = Path.Combine(_dir.Path, "m.json");
        manifest.Write(path);
        var text = File.ReadAllText(path);
        Assert.Contains("\"channelOrder\": \"bgr\"", text, StringComparison.Ordinal);
        Assert.Contains("\"alignment\": \"affine3\"", text, StringComparison.Ordinal);
        Assert.Contains("\"layout\": \"nchw\"", text, StringComparison.Ordinal);
        var back = ModelManifest.Read(path);
        Assert.Equal(manifest.ChannelOrder, back.ChannelOrder);
        Assert.Equal(manifest.Alignment, back.Alignment);
        Assert.Equal(manifest.Distance, back.Distance);
        Assert.Equal(manifest.Mean, back.Mean);
    }

    // The graph flattens the input as laid out, then W (features x outputs) and b.
    private float[] Expected(RgbImage chip, TensorLayout layout, ChannelOrder order)
    {
        var x = new float[Features];
        for (var y = 0; y < Size; y++)
        {
            for (var col = 0; col < Size; col++)
            {
                for (var c = 0; c < 3; c++)
                {
                    var source = order == ChannelOrder.Rgb ? c : 2 - c;
                    var value = (chip.Pixels[(((y * Size) + col) * 3) + source] - Mean[c]) / Std[c];
                    var index = layout == TensorLayout.Nchw ? (c * Size * Size) + (y * Size) + col : (((y * Size) + col) * 3) + c;
                    x[index] = value;
                }
            }
        }

        var output = new float[Outputs];
        for (var j = 0; j < Outputs; j++)
        {
            double sum = _bias[j];
            for (var i = 0; i < Features; i++)
            {
                sum += x[i] * _weights[(i * Outputs) + j];
            }

            output[j] = (float)sum;
        }

        return output;
    }

    private ModelManifest Write(long[] inputDims)
    {
        var name = $"tiny-{string.Join('x', inputDims.Select(d => d < 0 ? "n" : d.ToString(System.Globalization.CultureInfo.InvariantCulture)))}.onnx";
        var path = Path.Combine(_dir.Path, name);
        File.WriteAllBytes(path, TinyOnnx.Linear("pixels", inputDims, _weights, _bias, "embedding"));
        return new ModelManifest
        {
            Name = "tiny",
            File = path,
            Sha256 = ModelFiles.Sha256Of(path),
            InputName = "pixels",
            InputSize = Size,
            Mean = Mean,
            Std = Std,
            OutputName = "embedding",
            Dimension = Outputs,
        };
    }

    private static RgbImage[] Chips(int count, int seed)
    {
        var random = new Random(seed);
        return [.. Enumerable.Range(0, count).Select(_ =>
        {
            var pixels = new byte[Size * Size * 3];
            random.NextBytes(pixels);
            return new RgbImage(Size, Size, pixels);
        })];
    }

    private static void AssertClose(float[] expected, float[] actual, string what)
    {
        Assert.Equal(expected.Length, actual.Length);
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.True(Math.Abs(expected[i] - actual[i]) <= 1e-4 * Math.Max(1, Math.Abs(expected[i])), $"{what}: output {i} is {actual[i]}, expected {expected[i]}");
        }
    }
}
