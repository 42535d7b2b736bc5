using System.Text.Json.Nodes;
using FaceIndex.Embedding;
using FaceIndex.Models;

namespace FaceIndex.Core.Tests.Embedding;

/// <summary>The tfjs loader refuses any manifest/shard pair that is not exactly the network's tensors.</summary>
public sealed class TfjsWeightsLoaderTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("faceindex-embed-").FullName;
    private readonly JsonArray _manifest;
    private readonly byte[] _shard;

    public TfjsWeightsLoaderTests()
    {
        _manifest = JsonNode.Parse(File.ReadAllText(ModelFiles.Verify(ModelFiles.FaceApiManifest)))!.AsArray();
        _shard = File.ReadAllBytes(ModelFiles.Verify(ModelFiles.FaceApiWeights));
    }

    private JsonArray Weights => _manifest[0]!["weights"]!.AsArray();

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_pinned_manifest_has_117_tensors_and_5614592_parameters_all_used_by_the_network()
    {
        var weights = TfjsWeights.Load(ModelFiles.PathOf(ModelFiles.FaceApiManifest));
        Assert.Equal(117, weights.Count);

        using var net = DlibResNet.Load(ModelFiles.PathOf(ModelFiles.FaceApiManifest), fold: false);
        var values = net.buffers().Sum(b => b.numel());
        Assert.Equal(5_614_592, values);
    }

    [Fact]
    public void An_unchanged_copy_in_another_folder_loads_and_embeds_like_the_pinned_one()
    {
        var manifest = Write(_manifest, _shard);
        using var copy = DlibResNetEmbedder.FromManifest(manifest);

        var output = Assert.Single(copy.Embed([GoldenChips.Chip(3)]));

        Assert.True(GoldenChips.MaxAbsDiff(output, GoldenChips.FaceApi(3)) <= 1e-5);
    }

    [Fact]
    public void A_missing_tensor_is_refused_by_name()
    {
        const string name = "conv128_1/conv2/scale/biases";
        var (offset, size) = Locate(name);
        Weights.Remove(Weights.Single(w => (string)w!["name"]! == name));
        var shard = _shard.Take(offset).Concat(_shard.Skip(offset + size)).ToArray();

        var error = Refused(Write(_manifest, shard));

        Assert.Contains($"'{name}' is missing", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_dropped_from_the_manifest_but_left_in_the_shard_is_refused()
    {
        Weights.Remove(Weights.Single(w => (string)w!["name"]! == "conv32_2/conv1/conv/bias"));

        var error = Refused(Write(_manifest, _shard));

        Assert.Contains($"take {_shard.Length - 32} bytes but the shard(s) face_recognition_model.bin hold {_shard.Length}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_extra_tensor_is_refused_by_name()
    {
        Weights.Add(new JsonObject { ["name"] = "extra/stray", ["shape"] = new JsonArray(4), ["dtype"] = "float32" });
        var shard = _shard.Concat(new byte[16]).ToArray();

        var error = Refused(Write(_manifest, shard));

        Assert.Contains("first 'extra/stray'", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(-1)]
    [InlineData(-4096)]
    public void A_shard_of_the_wrong_length_is_refused(int delta)
    {
        var shard = delta > 0 ? _shard.Concat(new byte[delta]).ToArray() : _shard[..(_shard.Length + delta)];

        var error = Refused(Write(_manifest, shard));

        Assert.Contains("face_recognition_model.bin", error.Message, StringComparison.Ordinal);
        Assert.Contains($"{shard.Length}", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_tensor_of_the_wrong_shape_is_refused_by_name()
    {
        var fc = Weights.Single(w => (string)w!["name"]! == "fc")!;
        fc["shape"] = new JsonArray(128, 256);

        var error = Refused(Write(_manifest, _shard));

        Assert.Contains("'fc' has shape [128, 256], the network needs [256, 128]", error.Message, StringComparison.Ordinal);
    }

    private static FaceIndexException Refused(string manifest) =>
        Assert.Throws<FaceIndexException>(() => DlibResNetEmbedder.FromManifest(manifest).Dispose());

    // Byte offset and length of a tensor in the shard: tfjs packs them in manifest order.
    private (int Offset, int Size) Locate(string name)
    {
        var offset = 0;
        foreach (var w in Weights)
        {
            var count = w!["shape"]!.AsArray().Aggregate(1, (n, d) => n * (int)d!);
            var width = (string?)w["quantization"]?["dtype"] switch { "uint8" => 1, "uint16" => 2, _ => 4 };
            if ((string)w["name"]! == name)
            {
                return (offset, count * width);
            }

            offset += count * width;
        }

        throw new InvalidOperationException($"{name} not in the manifest");
    }

    private string Write(JsonArray manifest, byte[] shard)
    {
        var path = Path.Combine(_dir, "face_recognition_model-weights_manifest.json");
        File.WriteAllText(path, manifest.ToJsonString());
        File.WriteAllBytes(Path.Combine(_dir, "face_recognition_model.bin"), shard);
        return path;
    }
}
