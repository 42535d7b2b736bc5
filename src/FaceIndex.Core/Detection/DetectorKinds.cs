namespace FaceIndex.Detection;

/// <summary>The names of <see cref="DetectorKind"/> as the CLI, run records and cache keys write them: hog, ssd, hog+ssd.</summary>
public static class DetectorKinds
{
    /// <summary>Every name, in order.</summary>
    public static IReadOnlyList<string> Names { get; } = ["hog", "ssd", "hog+ssd"];

    /// <summary>The name of <paramref name="kind"/>.</summary>
    public static string Name(this DetectorKind kind) => kind switch
    {
        DetectorKind.Hog => "hog",
        DetectorKind.Ssd => "ssd",
        DetectorKind.HogThenSsd => "hog+ssd",
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Parses hog, ssd or hog+ssd (case-insensitive); throws naming the choices otherwise.</summary>
    public static DetectorKind Parse(string name) => name?.Trim().ToLowerInvariant() switch
    {
        "hog" => DetectorKind.Hog,
        "ssd" => DetectorKind.Ssd,
        "hog+ssd" => DetectorKind.HogThenSsd,
        _ => throw new FaceIndexException($"unknown detector '{name}': use one of {string.Join(", ", Names)}"),
    };
}
