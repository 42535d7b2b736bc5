using System.Reflection;
using System.Runtime.InteropServices;
using System.Text.Json;
using FaceIndex.Models;

namespace FaceIndex.Pipeline;

/// <summary>The versions a result depends on, recorded with every run, evaluation and benchmark.</summary>
public static class RunVersions
{
    /// <summary>FaceIndex's informational version.</summary>
    public static string FaceIndex { get; } =
        typeof(RunVersions).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown";

    /// <summary>Versions of FaceIndex, .NET, TorchSharp, ImageSharp, dlib, USearch and the models (with pinned sha256s).</summary>
    public static IReadOnlyDictionary<string, string> Collect(FaceEngine? engine = null)
    {
        var versions = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["faceindex"] = FaceIndex,
            ["dotnet"] = RuntimeInformation.FrameworkDescription,
            ["os"] = RuntimeInformation.OSDescription,
            ["torchsharp"] = AssemblyVersion(typeof(TorchSharp.torch)),
            ["imagesharp"] = AssemblyVersion(typeof(SixLabors.ImageSharp.Image)),
            ["dlib"] = SafeDlibVersion(),
            ["usearch"] = SafeUsearchVersion(),
        };
        foreach (var model in ModelFiles.All)
        {
            versions[$"model:{model.FileName}"] = $"{model.Version} sha256:{model.Sha256}";
        }

        if (engine is not null)
        {
            versions["embedder"] = engine.Embedder.ModelId;
        }

        return versions;
    }

    /// <summary>The same, as JSON.</summary>
    public static string Json(FaceEngine? engine = null) => JsonSerializer.Serialize(Collect(engine));

    private static string AssemblyVersion(Type type) =>
        type.Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion?.Split('+')[0]
        ?? type.Assembly.GetName().Version?.ToString() ?? "unknown";

    private static string SafeUsearchVersion()
    {
        try
        {
            return Search.Hnsw.HnswIndex.LibraryVersion;
        }
        catch (DllNotFoundException)
        {
            return "not loaded";
        }
    }

    private static string SafeDlibVersion()
    {
        try
        {
            return Native.Dlib.Version;
        }
        catch (FaceIndexException)
        {
            return "not loaded";
        }
        catch (DllNotFoundException)
        {
            return "not loaded";
        }
    }
}
