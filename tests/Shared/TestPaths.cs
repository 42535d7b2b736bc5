namespace FaceIndex.Tests;

/// <summary>Where test data lives: committed data under tests/data, and the optional ../shared beside the checkout.</summary>
internal static class TestPaths
{
    /// <summary>The repository root (the folder holding FaceIndex.sln).</summary>
    public static string RepoRoot { get; } = FindRepoRoot();

    /// <summary>Small committed test data (see tests/data/NOTICE.md).</summary>
    public static string Data { get; } = Path.Combine(RepoRoot, "tests", "data");

    /// <summary>The development material beside the checkout; may be absent on a fresh clone.</summary>
    public static string Shared { get; } = Path.GetFullPath(Path.Combine(RepoRoot, "..", "shared"));

    public static string DataFile(params string[] parts) => Path.Combine([Data, .. parts]);

    public static string SharedFile(params string[] parts) => Path.Combine([Shared, .. parts]);

    /// <summary>Skips the calling test, with the reason, when ../shared (or a path in it) is absent.</summary>
    public static string RequireShared(params string[] parts)
    {
        var path = SharedFile(parts);
        Skip.IfNot(File.Exists(path) || Directory.Exists(path),
            $"needs {path} (the development data beside the checkout, ../shared); absent on a fresh clone");
        return path;
    }

    private static string FindRepoRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "FaceIndex.sln")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException($"FaceIndex.sln not found above {AppContext.BaseDirectory}");
    }
}
