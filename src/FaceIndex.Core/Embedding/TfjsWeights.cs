using System.Buffers.Binary;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceIndex.Embedding;

/// <summary>One weight group of a tfjs weights manifest: the shard files, in order, and the tensors they hold.</summary>
public sealed record TfjsWeightGroup(
    [property: JsonPropertyName("paths")] IReadOnlyList<string> Paths,
    [property: JsonPropertyName("weights")] IReadOnlyList<TfjsWeightSpec> Weights);

/// <summary>One tensor of a tfjs weights manifest: its name, shape, dtype, and how it is quantised if it is.</summary>
public sealed record TfjsWeightSpec(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("shape")] IReadOnlyList<int> Shape,
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("quantization")] TfjsQuantization? Quantization);

/// <summary>tfjs affine quantisation: the stored integer q stands for <c>q * Scale + Min</c>.</summary>
public sealed record TfjsQuantization(
    [property: JsonPropertyName("dtype")] string Dtype,
    [property: JsonPropertyName("scale")] double Scale,
    [property: JsonPropertyName("min")] double Min);

/// <summary>A dequantised float32 tensor read from a tfjs shard, in the manifest's (TF) layout.</summary>
internal sealed record TfjsTensor(string Name, int[] Shape, float[] Data);

/// <summary>
/// The tensors of a tfjs weights manifest, read and dequantised. A network takes each tensor exactly once with
/// <see cref="Take"/>; <see cref="EnsureAllTaken"/> then refuses any tensor the network did not use.
/// </summary>
internal sealed class TfjsWeights
{
    private readonly Dictionary<string, TfjsTensor> _tensors;
    private readonly List<string> _order;
    private readonly HashSet<string> _taken = new(StringComparer.Ordinal);

    private TfjsWeights(string manifestPath, Dictionary<string, TfjsTensor> tensors, List<string> order, string network)
    {
        ManifestPath = manifestPath;
        Network = network;
        _tensors = tensors;
        _order = order;
    }

    public string ManifestPath { get; }

    /// <summary>The network these weights are read for, as messages name it.</summary>
    public string Network { get; }

    public int Count => _tensors.Count;

    /// <summary>The tensors' names, in manifest order.</summary>
    public IReadOnlyList<string> Names => _order;

    /// <summary>Reads the manifest and its shards (relative to the manifest's folder), checking that the shards hold exactly the tensors listed.</summary>
    /// <param name="manifestPath">The tfjs weights manifest.</param>
    /// <param name="network">The network that reads them, for messages.</param>
    public static TfjsWeights Load(string manifestPath, string network = "the dlib ResNet-29 network")
    {
        ArgumentException.ThrowIfNullOrEmpty(manifestPath);
        var groups = ReadManifest(manifestPath);
        var dir = Path.GetDirectoryName(Path.GetFullPath(manifestPath))!;
        var tensors = new Dictionary<string, TfjsTensor>(StringComparer.Ordinal);
        var order = new List<string>();

        foreach (var group in groups)
        {
            if (group.Paths is null || group.Paths.Count == 0 || group.Weights is null)
            {
                throw Bad(manifestPath, "a weight group lacks 'paths' or 'weights'");
            }

            // tfjs concatenates a group's shards and reads its tensors from the joined bytes in manifest order.
            var shard = ReadShards(manifestPath, dir, group.Paths);
            var offset = 0L;
            foreach (var spec in group.Weights)
            {
                var (tensor, size) = Decode(manifestPath, string.Join(", ", group.Paths), spec, shard, offset);
                if (!tensors.TryAdd(tensor.Name, tensor))
                {
                    throw Bad(manifestPath, $"tensor '{tensor.Name}' is listed twice");
                }

                order.Add(tensor.Name);
                offset += size;
            }

            if (offset != shard.Length)
            {
                throw Bad(
                    manifestPath,
                    $"its tensors take {offset} bytes but the shard(s) {string.Join(", ", group.Paths)} hold {shard.Length}: " +
                    "the manifest and the .bin do not belong together or the .bin is truncated");
            }
        }

        return new TfjsWeights(manifestPath, tensors, order, network);
    }

    /// <summary>Takes tensor <paramref name="name"/>, which must have <paramref name="shape"/>; each tensor can be taken once.</summary>
    public TfjsTensor Take(string name, params int[] shape)
    {
        if (!_tensors.TryGetValue(name, out var tensor))
        {
            throw Bad(ManifestPath, $"tensor '{name}' is missing; {Network} needs it");
        }

        if (!_taken.Add(name))
        {
            throw new InvalidOperationException($"tensor '{name}' taken twice: a bug in the network definition");
        }

        if (!tensor.Shape.AsSpan().SequenceEqual(shape))
        {
            throw Bad(ManifestPath, $"tensor '{name}' has shape [{string.Join(", ", tensor.Shape)}], the network needs [{string.Join(", ", shape)}]");
        }

        return tensor;
    }

    /// <summary>Marks tensor <paramref name="name"/> as deliberately unused (a graph constant the port computes itself); it must exist.</summary>
    public void Skip(string name)
    {
        if (!_tensors.ContainsKey(name))
        {
            throw Bad(ManifestPath, $"tensor '{name}' is missing; {Network}'s manifest lists it");
        }

        _taken.Add(name);
    }

    /// <summary>Throws naming the first tensor no one took.</summary>
    public void EnsureAllTaken()
    {
        var stray = _order.Where(n => !_taken.Contains(n)).ToList();
        if (stray.Count > 0)
        {
            throw Bad(
                ManifestPath,
                $"{stray.Count} tensor(s) not used by {Network}, first '{stray[0]}': " +
                "this is not that network's manifest");
        }
    }

    private static List<TfjsWeightGroup> ReadManifest(string manifestPath)
    {
        if (!File.Exists(manifestPath))
        {
            throw new FaceIndexException($"weights manifest {manifestPath} not found: run 'bash scripts/setup.sh' or set FACEINDEX_MODELS");
        }

        try
        {
            using var stream = File.OpenRead(manifestPath);
            var groups = JsonSerializer.Deserialize<List<TfjsWeightGroup>>(stream);
            return groups is { Count: > 0 } ? groups : throw Bad(manifestPath, "it lists no weight groups");
        }
        catch (JsonException e)
        {
            throw new FaceIndexException($"weights manifest {manifestPath} is not a tfjs manifest ({e.Message}): replace it with the pinned file", e);
        }
    }

    private static byte[] ReadShards(string manifestPath, string dir, IReadOnlyList<string> paths)
    {
        using var joined = new MemoryStream();
        foreach (var relative in paths)
        {
            var path = Path.Combine(dir, relative);
            if (!File.Exists(path))
            {
                throw Bad(manifestPath, $"its shard {path} is missing");
            }

            using var file = File.OpenRead(path);
            file.CopyTo(joined);
        }

        return joined.ToArray();
    }

    private static (TfjsTensor Tensor, long Size) Decode(string manifestPath, string shardNames, TfjsWeightSpec spec, byte[] shard, long offset)
    {
        if (string.IsNullOrEmpty(spec.Name) || spec.Shape is null)
        {
            throw Bad(manifestPath, "a tensor lacks 'name' or 'shape'");
        }

        // int32 tensors are graph constants (shapes, axes) in face-api's SSD manifest: read as numbers, 4 bytes when not quantised.
        if (spec.Dtype is not ("float32" or "int32"))
        {
            throw Bad(manifestPath, $"tensor '{spec.Name}' has dtype {spec.Dtype}; only float32 and int32 (stored as such, or as uint8 or uint16) are supported");
        }

        var count = 1L;
        foreach (var d in spec.Shape)
        {
            count = d >= 0 ? checked(count * d) : throw Bad(manifestPath, $"tensor '{spec.Name}' has a negative dimension");
        }

        var q = spec.Quantization;
        var width = q?.Dtype switch
        {
            null => 4,
            "uint8" => 1,
            "uint16" => 2,
            _ => throw Bad(manifestPath, $"tensor '{spec.Name}' is quantised as {q.Dtype}; only uint8 and uint16 are supported"),
        };
        var size = count * width;
        if (offset + size > shard.Length)
        {
            throw Bad(manifestPath, $"tensor '{spec.Name}' needs bytes {offset}..{offset + size} but the shard(s) {shardNames} hold {shard.Length}: the .bin is truncated or not this manifest's");
        }

        var data = new float[count];
        var bytes = shard.AsSpan((int)offset, (int)size);
        switch (width)
        {
            case 4:
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = spec.Dtype == "int32"
                        ? BinaryPrimitives.ReadInt32LittleEndian(bytes[(4 * i)..])
                        : BinaryPrimitives.ReadSingleLittleEndian(bytes[(4 * i)..]);
                }

                break;
            case 1:
                // tfjs dequantises in double (JS numbers) and stores into a Float32Array: round once, like it does.
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = (float)(bytes[i] * q!.Scale + q.Min);
                }

                break;
            default:
                for (var i = 0; i < data.Length; i++)
                {
                    data[i] = (float)(BinaryPrimitives.ReadUInt16LittleEndian(bytes[(2 * i)..]) * q!.Scale + q.Min);
                }

                break;
        }

        return (new TfjsTensor(spec.Name, [.. spec.Shape], data), size);
    }

    private static FaceIndexException Bad(string manifestPath, string what) =>
        new($"weights manifest {manifestPath}: {what}. Use the pinned face-api files (bash scripts/setup.sh).");
}
