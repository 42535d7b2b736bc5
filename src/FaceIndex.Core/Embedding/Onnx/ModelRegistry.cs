using FaceIndex.Models;
using Microsoft.ML.OnnxRuntime;

namespace FaceIndex.Embedding.Onnx;

/// <summary>
/// The recognition models a library knows: dlib's network (the default), the bundled ONNX model, and models added
/// with <c>models add</c> (one manifest each in the library's <c>models/</c> folder). Resolves names and builds embedders.
/// </summary>
public sealed class ModelRegistry
{
    /// <summary>The name of dlib's network, the default model.</summary>
    public const string DlibName = "dlib";

    private readonly List<RegisteredModel> _models;

    private ModelRegistry(string? libraryDirectory, List<RegisteredModel> models)
    {
        LibraryDirectory = libraryDirectory;
        _models = models;
    }

    /// <summary>The library folder added models are kept in (null: built-ins only).</summary>
    public string? LibraryDirectory { get; }

    /// <summary>Every model: built-ins first, then added ones by name.</summary>
    public IReadOnlyList<RegisteredModel> All => _models;

    /// <summary>dlib's network.</summary>
    public static RegisteredModel Dlib { get; } = new(DlibName, null, null, BuiltIn: true);

    /// <summary>The models of the library at <paramref name="libraryDirectory"/> (null or absent: built-ins only).</summary>
    public static ModelRegistry Open(string? libraryDirectory)
    {
        List<RegisteredModel> models = [Dlib, new(BundledModels.FacepluginName, BundledModels.Faceplugin, null, BuiltIn: true)];
        var dir = libraryDirectory is null ? null : Path.Combine(libraryDirectory, "models");
        if (dir is not null && Directory.Exists(dir))
        {
            foreach (var file in Directory.EnumerateFiles(dir, "*.json").Order(StringComparer.Ordinal))
            {
                var manifest = ModelManifest.Read(file);
                models.Add(new RegisteredModel(manifest.Name, manifest, dir, BuiltIn: false));
            }
        }

        return new ModelRegistry(libraryDirectory, models);
    }

    /// <summary>The model named <paramref name="name"/> (null or empty: dlib's); throws listing the names known.</summary>
    public RegisteredModel Resolve(string? name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            return Dlib;
        }

        return _models.FirstOrDefault(m => string.Equals(m.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
            ?? throw new FaceIndexException(
                $"model '{name}' is not known to this library; known: {string.Join(", ", _models.Select(m => m.Name))} (add one with 'faceindex models add NAME --onnx FILE')");
    }

    /// <summary>An embedder for <paramref name="model"/>, with flip averaging and a thread count (null: the runtime's choice).</summary>
    public static IFaceEmbedder CreateEmbedder(RegisteredModel model, bool flip = false, int? threads = null)
    {
        ArgumentNullException.ThrowIfNull(model);
        return model.Manifest is null
            ? new DlibResNetEmbedder(new DlibResNetOptions { FlipTta = flip, Threads = threads })
            : OnnxFaceEmbedder.Load(model.Manifest, model.ManifestDirectory, new OnnxEmbedderOptions(flip, threads ?? 0));
    }

    /// <summary>
    /// Registers <paramref name="onnxPath"/> as <paramref name="name"/>: from a manifest file (its name and file replaced,
    /// its sha256 checked when given) or a preset completed from the graph; the model is loaded and checked before the
    /// manifest is written to the library's models/ folder. Returns the stored model.
    /// </summary>
    public RegisteredModel Add(string name, string onnxPath, string? manifestPath, string? preset)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(name);
        ArgumentException.ThrowIfNullOrWhiteSpace(onnxPath);
        if (LibraryDirectory is null)
        {
            throw new FaceIndexException("models are added to a library: give --library DIR");
        }

        if (_models.Any(m => string.Equals(m.Name, name, StringComparison.OrdinalIgnoreCase)))
        {
            throw new FaceIndexException($"model '{name}' already exists in this library; choose another name");
        }

        var file = Path.GetFullPath(onnxPath);
        if (!File.Exists(file))
        {
            throw new FaceIndexException($"--onnx {onnxPath}: the file does not exist");
        }

        var sha = ModelFiles.Sha256Of(file);
        ModelManifest manifest;
        if (manifestPath is not null)
        {
            var given = ModelManifest.Read(manifestPath);
            if (!string.IsNullOrEmpty(given.Sha256) && !string.Equals(given.Sha256, sha, StringComparison.OrdinalIgnoreCase))
            {
                throw given.Field("sha256", $"is {given.Sha256}, but {file} hashes to {sha}: the file is not the one the manifest describes");
            }

            manifest = given with { Name = name, File = file, Sha256 = sha };
        }
        else
        {
            manifest = FromPreset(preset ?? "arcface112", name, file, sha);
        }

        // Loading checks the file, its hash and the graph against every field.
        using (OnnxFaceEmbedder.Load(manifest))
        {
        }

        var dir = Path.Combine(LibraryDirectory, "models");
        Directory.CreateDirectory(dir);
        manifest.Write(Path.Combine(dir, name + ".json"));
        var added = new RegisteredModel(name, manifest, dir, BuiltIn: false);
        _models.Add(added);
        return added;
    }

    private static ModelManifest FromPreset(string preset, string name, string file, string sha)
    {
        if (!string.Equals(preset, "arcface112", StringComparison.OrdinalIgnoreCase))
        {
            throw new FaceIndexException($"--preset {preset} is not one of {string.Join(", ", ModelPresets.Names)}");
        }

        // The preset fixes the conventions; the names and the embedding length come from the graph (one input, one output).
        using var session = new InferenceSession(file);
        if (session.InputMetadata.Count != 1 || session.OutputMetadata.Count != 1)
        {
            throw new FaceIndexException(
                $"--preset {preset} needs a model with one input and one output; this one has {OnnxFaceEmbedder.DescribeGraph(session)}: give --manifest instead");
        }

        var output = session.OutputMetadata.First();
        return ModelPresets.ArcFace112(name, file, sha, session.InputMetadata.First().Key, output.Key, output.Value.Dimensions[^1]);
    }
}
