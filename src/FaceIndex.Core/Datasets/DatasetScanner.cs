using System.Text;

namespace FaceIndex.Datasets;

/// <summary>One image of a dataset: its path relative to the root ('/' separators) and its identity label, if any.</summary>
public sealed record DatasetImage(string RelPath, string? Identity);

/// <summary>What a scan of a dataset folder found.</summary>
/// <param name="Layout">The layout used (never Auto).</param>
/// <param name="Images">The images, sorted by relative path (ordinal), so every scan of the same tree gives the same order.</param>
/// <param name="SkippedByExtension">Non-hidden files skipped because their extension is not an image one, counted by lower-case extension ("" for none).</param>
/// <param name="MissingFromManifest">Manifest rows whose file does not exist (CSV layout only).</param>
public sealed record DatasetScan(
    DatasetLayout Layout,
    IReadOnlyList<DatasetImage> Images,
    IReadOnlyDictionary<string, int> SkippedByExtension,
    IReadOnlyList<string> MissingFromManifest);

/// <summary>Lists the images of a dataset folder, with identities from its layout.</summary>
public static class DatasetScanner
{
    /// <summary>The manifest file name looked for when no other is given.</summary>
    public const string DefaultManifest = "manifest.csv";

    /// <summary>File extensions taken as images (compared case-insensitively).</summary>
    public static IReadOnlySet<string> ImageExtensions { get; } = new HashSet<string>(
        [".jpg", ".jpeg", ".png", ".webp", ".bmp", ".gif", ".tif", ".tiff"], StringComparer.OrdinalIgnoreCase);

    /// <summary>Scans <paramref name="root"/>; <paramref name="layout"/> Auto detects it, <paramref name="manifest"/> names the CSV (relative to root).</summary>
    public static DatasetScan Scan(string root, DatasetLayout layout = DatasetLayout.Auto, string? manifest = null)
    {
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new FaceIndexException($"the dataset folder {full} does not exist: give the folder that holds the images.");
        }

        var manifestPath = Path.Combine(full, manifest ?? DefaultManifest);
        if (layout == DatasetLayout.Auto && File.Exists(manifestPath))
        {
            layout = DatasetLayout.Csv;
        }

        if (layout == DatasetLayout.Csv)
        {
            if (!File.Exists(manifestPath))
            {
                throw new FaceIndexException(
                    $"the CSV layout needs a manifest, and {manifestPath} does not exist: write one (path,identity per line) or name it with the manifest option.");
            }

            return ScanCsv(full, manifestPath);
        }

        var (files, skipped) = ListImages(full, manifestPath);
        if (layout == DatasetLayout.Auto)
        {
            layout = files.Count > 0 && files.All(f => f.Contains('/', StringComparison.Ordinal))
                ? DatasetLayout.IdentityFolders
                : DatasetLayout.Flat;
        }

        var images = new List<DatasetImage>(files.Count);
        foreach (var rel in files)
        {
            var slash = rel.IndexOf('/', StringComparison.Ordinal);
            if (layout == DatasetLayout.IdentityFolders)
            {
                if (slash < 0)
                {
                    Count(skipped, "(image outside an identity folder)");
                    continue;
                }

                images.Add(new DatasetImage(rel, rel[..slash]));
            }
            else
            {
                images.Add(new DatasetImage(rel, null));
            }
        }

        return new DatasetScan(layout, images, skipped, []);
    }

    /// <summary>True for names hidden by convention: a leading '.'.</summary>
    public static bool IsHidden(string name) => name.StartsWith('.');

    private static (List<string> Files, Dictionary<string, int> Skipped) ListImages(string root, string manifestPath)
    {
        var files = new List<string>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);

        // Datasets on shared storage are often trees of symbolic links, so links to files and folders are
        // followed. Each real folder is listed once (under the first logical path, in ordinal order), which
        // breaks cycles and keeps a folder reached by two links from being indexed twice.
        var visited = new HashSet<string>(StringComparer.Ordinal) { RealPath(root) };
        Walk(root, string.Empty);
        files.Sort(StringComparer.Ordinal);
        return (files, skipped);

        void Walk(string dir, string relDir)
        {
            IEnumerable<FileSystemInfo> entries;
            try
            {
                entries = new DirectoryInfo(dir).EnumerateFileSystemInfos("*", new EnumerationOptions
                {
                    RecurseSubdirectories = false,
                    IgnoreInaccessible = true,
                    AttributesToSkip = FileAttributes.System,
                    MatchType = MatchType.Simple,
                }).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                Count(skipped, "(unreadable folder)");
                return;
            }

            foreach (var entry in entries)
            {
                if (IsHidden(entry.Name))
                {
                    continue;
                }

                var rel = relDir.Length == 0 ? entry.Name : relDir + "/" + entry.Name;
                var isDirectory = entry is DirectoryInfo;
                if (entry.LinkTarget is not null)
                {
                    // Follow the link; a dangling one is reported rather than silently dropped.
                    FileSystemInfo? target;
                    try
                    {
                        target = entry.ResolveLinkTarget(returnFinalTarget: true);
                    }
                    catch (IOException)
                    {
                        target = null;
                    }

                    if (target is null || !target.Exists)
                    {
                        Count(skipped, "(broken symbolic link)");
                        continue;
                    }

                    isDirectory = target is DirectoryInfo || Directory.Exists(entry.FullName);
                }

                if (isDirectory)
                {
                    if (visited.Add(RealPath(entry.FullName)))
                    {
                        Walk(entry.FullName, rel);
                    }
                    else
                    {
                        Count(skipped, "(folder already listed through another link)");
                    }

                    continue;
                }

                var ext = Path.GetExtension(entry.Name);
                if (ImageExtensions.Contains(ext))
                {
                    files.Add(rel);
                }
                else if (!string.Equals(rel, DatasetInfo.FileName, StringComparison.Ordinal)
                    && !string.Equals(entry.FullName, manifestPath, StringComparison.Ordinal))
                {
                    Count(skipped, ext.ToLowerInvariant());
                }
            }
        }
    }

    /// <summary>The canonical path of a folder, every symbolic link in it resolved (the path itself where that fails).</summary>
    private static string RealPath(string path, int depth = 0)
    {
        var full = Path.GetFullPath(path);
        var root = Path.GetPathRoot(full) ?? string.Empty;
        var current = root;
        foreach (var part in full[root.Length..].Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries))
        {
            current = Path.Combine(current, part);
            if (depth < 40 && new DirectoryInfo(current).LinkTarget is { } target)
            {
                var parent = Path.GetDirectoryName(current) ?? root;
                current = RealPath(Path.IsPathRooted(target) ? target : Path.Combine(parent, target), depth + 1);
            }
        }

        return current;
    }

    private static void Count(Dictionary<string, int> counts, string key)
        => counts[key] = counts.GetValueOrDefault(key) + 1;

    private static DatasetScan ScanCsv(string root, string manifestPath)
    {
        var byPath = new Dictionary<string, DatasetImage>(StringComparer.Ordinal);
        var missing = new List<string>();
        var skipped = new Dictionary<string, int>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var line in File.ReadLines(manifestPath))
        {
            lineNo++;
            if (string.IsNullOrWhiteSpace(line) || line.StartsWith('#'))
            {
                continue;
            }

            var fields = SplitCsvLine(line, manifestPath, lineNo);
            if (lineNo == 1 && string.Equals(fields[0].Trim(), "path", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            var rel = fields[0].Trim().Replace('\\', '/');
            var identity = fields.Count > 1 && !string.IsNullOrWhiteSpace(fields[1]) ? fields[1].Trim() : null;
            if (rel.Length == 0 || Path.IsPathRooted(rel) || rel.Split('/').Any(s => s is ".." or "."))
            {
                throw new FaceIndexException(
                    $"{manifestPath} line {lineNo}: \"{fields[0]}\" is not a plain path relative to the dataset folder (no leading '/', no '.' or '..' parts): fix the manifest.");
            }

            if (!ImageExtensions.Contains(Path.GetExtension(rel)))
            {
                Count(skipped, Path.GetExtension(rel).ToLowerInvariant());
                continue;
            }

            if (byPath.TryGetValue(rel, out var seen))
            {
                if (!string.Equals(seen.Identity, identity, StringComparison.Ordinal))
                {
                    throw new FaceIndexException(
                        $"{manifestPath} line {lineNo}: {rel} is listed again with identity \"{identity}\" after \"{seen.Identity}\": give each image one identity.");
                }

                continue;
            }

            if (!File.Exists(Path.Combine(root, rel)))
            {
                missing.Add(rel);
                continue;
            }

            byPath.Add(rel, new DatasetImage(rel, identity));
        }

        var images = byPath.Values.OrderBy(i => i.RelPath, StringComparer.Ordinal).ToList();
        missing.Sort(StringComparer.Ordinal);
        return new DatasetScan(DatasetLayout.Csv, images, skipped, missing);
    }

    /// <summary>RFC 4180 fields of one line: commas separate, double quotes enclose, "" is a quote.</summary>
    private static List<string> SplitCsvLine(string line, string path, int lineNo)
    {
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"')
            {
                quoted = true;
            }
            else if (c == ',')
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else
            {
                field.Append(c);
            }
        }

        if (quoted)
        {
            throw new FaceIndexException($"{path} line {lineNo}: a quoted field is not closed: fix the manifest (fields spanning lines are not supported).");
        }

        fields.Add(field.ToString());
        return fields;
    }
}
