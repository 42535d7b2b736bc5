using System.Text.Json;
using System.Text.Json.Serialization;
using FaceIndex.Alignment;
using FaceIndex.Evaluation;

namespace FaceIndex.Embedding.Onnx;

/// <summary>
/// What FaceIndex must know to run an ONNX face-recognition model: the file and its checksum, the input tensor
/// (name, size, layout, channel order, normalisation), the alignment it was trained on, the output, the distance it
/// is meant for, and its licence and origin. Stored as JSON (camelCase; enums as lower-case strings).
/// </summary>
public sealed record ModelManifest
{
    /// <summary>The model's name in this library (letters, digits, '-', '_', '.').</summary>
    public required string Name { get; init; }

    /// <summary>The .onnx file; a relative path is relative to the manifest's folder.</summary>
    public required string File { get; init; }

    /// <summary>The file's sha256 (lower-case hex); checked at every load.</summary>
    public required string Sha256 { get; init; }

    /// <summary>The name of the graph input the chip goes into.</summary>
    public required string InputName { get; init; }

    /// <summary>The chip's side length in pixels (the input is square).</summary>
    public int InputSize { get; init; } = 112;

    /// <summary>The input tensor's axis order.</summary>
    public TensorLayout Layout { get; init; } = TensorLayout.Nchw;

    /// <summary>The colour order of the input channels.</summary>
    public ChannelOrder ChannelOrder { get; init; } = ChannelOrder.Rgb;

    /// <summary>Per input channel (in <see cref="ChannelOrder"/>), subtracted from the 0-255 pixel value.</summary>
    public IReadOnlyList<float> Mean { get; init; } = [127.5f, 127.5f, 127.5f];

    /// <summary>Per input channel, the divisor after the mean is subtracted. Leave null when <see cref="Scale"/> is given.</summary>
    public IReadOnlyList<float>? Std { get; init; } = [127.5f, 127.5f, 127.5f];

    /// <summary>Instead of <see cref="Std"/>: one multiplier for every channel after the mean is subtracted (e.g. 1/128).</summary>
    public float? Scale { get; init; }

    /// <summary>The alignment the network was trained on.</summary>
    public AlignmentKind Alignment { get; init; } = AlignmentKind.ArcFace5;

    /// <summary>The name of the graph output holding the embedding.</summary>
    public required string OutputName { get; init; }

    /// <summary>The embedding's length.</summary>
    public required int Dimension { get; init; }

    /// <summary>The distance the embeddings are meant to be compared with.</summary>
    public EmbeddingMetric Distance { get; init; } = EmbeddingMetric.Cosine;

    /// <summary>
    /// The same-person threshold <c>verify</c> decides at: a cosine similarity (same above it) or a distance (same below it),
    /// as <see cref="Distance"/> says; null when none was chosen.
    /// </summary>
    public float? SameThreshold { get; init; }

    /// <summary>The model's licence as published (and anything known to restrict it).</summary>
    public string Licence { get; init; } = "unknown";

    /// <summary>Where the file came from.</summary>
    public string Origin { get; init; } = "unknown";

    /// <summary>Anything else a user must know (provenance of the weights, training data).</summary>
    public string? Note { get; init; }

    /// <summary>The serialiser settings manifests are read and written with.</summary>
    public static JsonSerializerOptions Json { get; } = new()
    {
        PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        PropertyNameCaseInsensitive = true,
        WriteIndented = true,
        ReadCommentHandling = JsonCommentHandling.Skip,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.KebabCaseLower) },
    };

    /// <summary>The per-channel multipliers: 1/std, or the scale for every channel.</summary>
    [JsonIgnore]
    public float[] Multipliers => Scale is { } s ? [s, s, s] : [.. (Std ?? [1f, 1f, 1f]).Select(v => 1f / v)];

    /// <summary>Reads a manifest file; throws naming the file and the problem.</summary>
    public static ModelManifest Read(string path)
    {
        if (!System.IO.File.Exists(path))
        {
            throw new FaceIndexException($"manifest {path} does not exist");
        }

        try
        {
            return JsonSerializer.Deserialize<ModelManifest>(System.IO.File.ReadAllText(path), Json)
                ?? throw new FaceIndexException($"manifest {path} is empty");
        }
        catch (JsonException ex)
        {
            var field = ex.Path is { Length: > 2 } p ? $" (field '{p.TrimStart('$', '.')}')" : string.Empty;
            throw new FaceIndexException($"manifest {path} is not valid{field}: {ex.Message}", ex);
        }
    }

    /// <summary>Writes this manifest as JSON.</summary>
    public void Write(string path) => System.IO.File.WriteAllText(path, JsonSerializer.Serialize(this, Json) + "\n");

    /// <summary>The model file's full path, given the folder the manifest lives in (null: the working folder).</summary>
    public string FilePath(string? manifestDirectory) =>
        Path.IsPathRooted(File) ? File : Path.GetFullPath(Path.Combine(manifestDirectory ?? Directory.GetCurrentDirectory(), File));

    /// <summary>Checks the fields that need no model file; throws naming the first wrong field.</summary>
    public void ValidateFields()
    {
        if (string.IsNullOrWhiteSpace(Name) || !Name.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_' or '.'))
        {
            throw Field("name", $"'{Name}' must be non-empty and hold only letters, digits, '-', '_' and '.'");
        }

        if (string.IsNullOrWhiteSpace(File))
        {
            throw Field("file", "is empty: give the .onnx file's path");
        }

        if (Sha256 is null || Sha256.Length != 64 || !Sha256.All(char.IsAsciiHexDigit))
        {
            throw Field("sha256", $"'{Sha256}' is not 64 hex digits");
        }

        if (string.IsNullOrWhiteSpace(InputName))
        {
            throw Field("inputName", "is empty");
        }

        if (InputSize is < 1 or > 4096)
        {
            throw Field("inputSize", $"{InputSize} is outside 1..4096");
        }

        if (Mean.Count != 3)
        {
            throw Field("mean", $"has {Mean.Count} values; give one per channel (3)");
        }

        if (Scale is null && (Std is null || Std.Count != 3 || Std.Any(s => s == 0)))
        {
            throw Field("std", "must hold 3 non-zero values (or give 'scale' instead)");
        }

        if (Scale is not null && Std is not null)
        {
            throw Field("scale", "is given together with 'std': give one of them");
        }

        if (string.IsNullOrWhiteSpace(OutputName))
        {
            throw Field("outputName", "is empty");
        }

        if (Dimension <= 0)
        {
            throw Field("dimension", $"{Dimension} must be positive");
        }
    }

    /// <summary>An error about one field of the manifest, saying which.</summary>
    public FaceIndexException Field(string field, string problem) =>
        new($"model '{Name}': manifest field '{field}' {problem}");
}
