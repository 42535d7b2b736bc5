namespace FaceIndex.Evaluation;

/// <summary>
/// A researcher's grouping of images or identities (demographic labels from a published annotation, capture conditions, age bands), read
/// from a CSV of <c>key,group</c>: a key is an image path relative to the image root, or an identity (an LFW-style folder name). A
/// header line is skipped when its second field is "group".
/// </summary>
public sealed class GroupMap
{
    private readonly Dictionary<string, string> _groups;

    private GroupMap(Dictionary<string, string> groups) => _groups = groups;

    /// <summary>Keys mapped.</summary>
    public int Count => _groups.Count;

    /// <summary>Reads a groups CSV.</summary>
    /// <exception cref="FaceIndexException">The file is missing, a line is not two fields, or a key is given two groups.</exception>
    public static GroupMap Read(string path)
    {
        if (!File.Exists(path))
        {
            throw new FaceIndexException($"the groups file {path} does not exist: give a CSV of key,group lines (key: an image path relative to the root, or an identity)");
        }

        var map = new Dictionary<string, string>(StringComparer.Ordinal);
        var lineNo = 0;
        foreach (var raw in File.ReadLines(path))
        {
            lineNo++;
            var line = raw.Trim();
            if (line.Length == 0 || line.StartsWith('#'))
            {
                continue;
            }

            var comma = line.LastIndexOf(',');
            if (comma <= 0 || comma == line.Length - 1)
            {
                throw new FaceIndexException($"{path} line {lineNo}: expected \"key,group\", found \"{line}\"");
            }

            var key = line[..comma].Trim().Trim('"').Replace('\\', '/');
            var group = line[(comma + 1)..].Trim().Trim('"');
            if (map.Count == 0 && group.Equals("group", StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (map.TryGetValue(key, out var seen) && seen != group)
            {
                throw new FaceIndexException($"{path} line {lineNo}: {key} is in group \"{seen}\" and again in \"{group}\"; give each key one group");
            }

            map[key] = group;
        }

        return Of(map);
    }

    /// <summary>A map from keys to groups (for callers that build groupings in code).</summary>
    public static GroupMap Of(IReadOnlyDictionary<string, string> groups)
    {
        ArgumentNullException.ThrowIfNull(groups);
        return new GroupMap(new Dictionary<string, string>(groups, StringComparer.Ordinal));
    }

    /// <summary>The group of an image: by its path relative to <paramref name="root"/>, else by its folder (identity) name; null when unmapped.</summary>
    public string? ForImage(string path, string? root)
    {
        ArgumentNullException.ThrowIfNull(path);
        var rel = (root is null ? path : Path.GetRelativePath(root, path)).Replace('\\', '/');
        if (_groups.TryGetValue(rel, out var g) || _groups.TryGetValue(Path.GetFileName(rel), out g))
        {
            return g;
        }

        var folder = Path.GetFileName(Path.GetDirectoryName(rel) ?? string.Empty);
        return folder.Length > 0 && _groups.TryGetValue(folder, out g) ? g : null;
    }

    /// <summary>The group of an identity; null when unmapped.</summary>
    public string? ForIdentity(string identity) => _groups.GetValueOrDefault(identity);
}
