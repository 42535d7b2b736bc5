using System.CommandLine;
using FaceIndex.Detection;
using FaceIndex.Search;

namespace FaceIndex.Cli;

/// <summary>Options several commands share, defined once.</summary>
internal static class CliOptions
{
    public static Option<bool> Json() => new("--json") { Description = "Print JSON instead of tables." };

    public static Option<string> Library() => new("--library", "-L")
    {
        Description = "The library folder (catalog + index). Default: $FACEINDEX_LIBRARY or ./faceindex-library.",
        DefaultValueFactory = _ => Environment.GetEnvironmentVariable("FACEINDEX_LIBRARY") is { Length: > 0 } env ? env : "faceindex-library",
    };

    public static Option<int> Upsample(int defaultValue) => new("--upsample")
    {
        Description = $"Detector upsample count: 0 finds faces of ~80 px and up, 1 of ~40 px (about 4x slower). Default {defaultValue}.",
        DefaultValueFactory = _ => defaultValue,
    };

    /// <summary>--detector hog|ssd|hog+ssd; read it with <see cref="DetectorKinds.Parse"/>.</summary>
    public static Option<string> Detector()
    {
        var option = new Option<string>("--detector")
        {
            Description = "Face detector: hog+ssd (default: HOG, and SSD only on images where HOG finds no face), hog (dlib's HOG only: frontal faces), ssd (face-api's SSD MobileNet v1 only, a CNN: turned and tilted faces too, slower).",
            DefaultValueFactory = _ => "hog+ssd",
        };
        option.AcceptOnlyFromAmong([.. DetectorKinds.Names]);
        return option;
    }

    public static Option<bool> Flip() => new("--flip") { Description = "Flip test-time augmentation: embed each chip and its mirror image, average." };

    public static Option<string?> Model() => new("--model")
    {
        Description = "The recognition model (see 'faceindex models'): dlib (default), faceplugin, or one added with 'models add'.",
    };

    /// <summary>The model <paramref name="name"/> names among the library's (null: dlib's network).</summary>
    public static Embedding.Onnx.RegisteredModel ResolveModel(string? name, string library) =>
        Embedding.Onnx.ModelRegistry.Open(Path.GetFullPath(library)).Resolve(name);

    public static Option<int> Threads() => new("--threads")
    {
        Description = "Threads for the network (0: one per core).",
        DefaultValueFactory = _ => 0,
    };

    public static Option<AnnKind?> Ann() => new("--ann")
    {
        Description = $"The approximate index: annoy, hnsw, or auto (HNSW from {SearchIndexOptions.HnswFromFaces:N0} faces). Default: the kind of the last build, else auto.",
    };

    /// <summary>The index options for a build: <paramref name="kind"/>, else the kind of the library's last build, else by size.</summary>
    public static SearchIndexOptions SearchFor(string library, AnnKind? kind) =>
        new(Kind: kind ?? FaceSearchIndex.ReadMeta(library) switch
        {
            null => AnnKind.Auto,
            var meta => meta.IsHnsw ? AnnKind.Hnsw : AnnKind.Annoy,
        });
}
