using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceIndex.Datasets;

/// <summary>How a dataset's images are labelled on disk.</summary>
public enum DatasetLayout
{
    /// <summary>Decide from the files: a manifest CSV, else identity folders when every image sits in a sub-folder, else flat.</summary>
    Auto,

    /// <summary>One folder per identity (LFW: Name/Name_0001.jpg): the first folder under the root is the identity.</summary>
    IdentityFolders,

    /// <summary>Images anywhere under the root, with no identity labels.</summary>
    Flat,

    /// <summary>A CSV manifest of path,identity rows (paths relative to the root).</summary>
    Csv,
}

/// <summary>What FaceIndex records about a dataset: its name, licence and provenance, and its layout.</summary>
/// <param name="Name">A short unique name within the library (defaults to the folder name).</param>
/// <param name="Licence">The licence or terms the images are used under, as stated by the user; "unknown" is accepted and recorded as such.</param>
/// <param name="SourceUrl">Where the dataset was obtained.</param>
/// <param name="Citation">How its authors ask to be cited.</param>
/// <param name="ConsentBasis">What the depicted people agreed to, as published by the authors (e.g. "none stated; public-figure news photos").</param>
/// <param name="Layout">The layout (Auto until discovery resolves it).</param>
/// <param name="Notes">Free text.</param>
/// <param name="Manifest">For <see cref="DatasetLayout.Csv"/>: the manifest's path relative to the root (default manifest.csv).</param>
public sealed record DatasetInfo(
    string Name,
    string Licence,
    string? SourceUrl = null,
    string? Citation = null,
    string? ConsentBasis = null,
    DatasetLayout Layout = DatasetLayout.Auto,
    string? Notes = null,
    string? Manifest = null)
{
    /// <summary>The file beside the images that states a dataset's licence and provenance.</summary>
    public const string FileName = "dataset.json";

    /// <summary>The licence value for a dataset whose terms are not known.</summary>
    public const string UnknownLicence = "unknown";

    /// <summary>The layout as stored in the catalog: identity-folders, flat or csv.</summary>
    public static string LayoutName(DatasetLayout layout) => layout switch
    {
        DatasetLayout.IdentityFolders => "identity-folders",
        DatasetLayout.Flat => "flat",
        DatasetLayout.Csv => "csv",
        _ => throw new ArgumentOutOfRangeException(nameof(layout), layout, "resolve the layout (DatasetScanner.Scan) before storing it"),
    };

    /// <summary>Parses identity-folders, flat, csv or auto (case-insensitive); null for anything else.</summary>
    public static DatasetLayout? ParseLayout(string? text) => text?.Trim().ToUpperInvariant() switch
    {
        "IDENTITY-FOLDERS" or "IDENTITY_FOLDERS" or "IDENTITYFOLDERS" or "FOLDERS" => DatasetLayout.IdentityFolders,
        "FLAT" => DatasetLayout.Flat,
        "CSV" => DatasetLayout.Csv,
        "AUTO" or "" => DatasetLayout.Auto,
        _ => null,
    };

    /// <summary>
    /// Reads root/dataset.json when present and lays the given options over it (options win). Refuses a dataset
    /// with no licence stated, saying how to state one.
    /// </summary>
    public static DatasetInfo Resolve(string root, DatasetOptions? options = null)
    {
        options ??= new DatasetOptions();
        var full = Path.GetFullPath(root);
        if (!Directory.Exists(full))
        {
            throw new FaceIndexException($"the dataset folder {full} does not exist: give the folder that holds the images.");
        }

        var file = ReadFile(Path.Combine(full, FileName));
        var layoutText = options.Layout is not null ? null : file?.Layout ?? "auto";
        var layout = options.Layout ?? ParseLayout(layoutText)
            ?? throw new FaceIndexException(
                $"{Path.Combine(full, FileName)} gives layout \"{layoutText}\": use identity-folders, flat, csv or auto.");
        var name = FirstSet(options.Name, file?.Name) ?? Path.GetFileName(full.TrimEnd(Path.DirectorySeparatorChar));
        // A dataset the library already holds keeps what it was registered with, so a resume or `index --model`
        // needs neither --licence nor the provenance options again (given ones still win).
        var registered = options.Registered?.Invoke(name.Trim());
        var licence = FirstSet(options.Licence, file?.Licence, file?.License, registered?.Licence);
        if (licence is null)
        {
            throw new FaceIndexException(
                $"the dataset \"{name}\" at {full} states no licence. FaceIndex records the terms every dataset is used under: " +
                $"pass --licence \"<licence or terms, e.g. CC-BY-4.0 or 'non-commercial research only, per the authors'>\" " +
                $"(or --licence {UnknownLicence} to record that the terms are not known), or add " +
                $"{{\"licence\": \"...\"}} to {Path.Combine(full, FileName)}.");
        }

        return new DatasetInfo(
            name.Trim(),
            licence.Trim(),
            FirstSet(options.SourceUrl, file?.SourceUrl, registered?.SourceUrl),
            FirstSet(options.Citation, file?.Citation, registered?.Citation),
            FirstSet(options.ConsentBasis, file?.ConsentBasis, registered?.ConsentBasis),
            layout,
            FirstSet(options.Notes, file?.Notes),
            FirstSet(options.Manifest, file?.Manifest));
    }

    private static string? FirstSet(params string?[] values)
        => values.FirstOrDefault(v => !string.IsNullOrWhiteSpace(v));

    private static DatasetFile? ReadFile(string path)
    {
        if (!File.Exists(path))
        {
            return null;
        }

        try
        {
            using var stream = File.OpenRead(path);
            return JsonSerializer.Deserialize(stream, DatasetJsonContext.Default.DatasetFile)
                ?? throw new FaceIndexException($"{path} holds null: write a JSON object such as {{\"licence\": \"CC-BY-4.0\"}}.");
        }
        catch (JsonException ex)
        {
            throw new FaceIndexException(
                $"{path} is not valid dataset JSON (line {ex.LineNumber + 1}, {ex.Message}): fix it or remove it and pass the values as options.", ex);
        }
    }
}

/// <summary>Values given on the command line; each one set overrides dataset.json.</summary>
/// <param name="Registered">Looks up the dataset (by its resolved name) as the library already holds it: its licence and
/// provenance fill what neither the options nor dataset.json state. Null: no library to ask.</param>
public sealed record DatasetOptions(
    string? Name = null,
    string? Licence = null,
    string? SourceUrl = null,
    string? Citation = null,
    string? ConsentBasis = null,
    DatasetLayout? Layout = null,
    string? Notes = null,
    string? Manifest = null,
    Func<string, DatasetInfo?>? Registered = null);

/// <summary>dataset.json as written by people: snake_case keys, "licence" or "license".</summary>
internal sealed record DatasetFile(
    string? Name,
    string? Licence,
    string? License,
    string? SourceUrl,
    string? Citation,
    string? ConsentBasis,
    string? Layout,
    string? Notes,
    string? Manifest);

[JsonSourceGenerationOptions(
    PropertyNamingPolicy = JsonKnownNamingPolicy.SnakeCaseLower,
    PropertyNameCaseInsensitive = true,
    ReadCommentHandling = JsonCommentHandling.Skip,
    AllowTrailingCommas = true,
    UnmappedMemberHandling = JsonUnmappedMemberHandling.Skip)]
[JsonSerializable(typeof(DatasetFile))]
internal sealed partial class DatasetJsonContext : JsonSerializerContext;
