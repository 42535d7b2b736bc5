using System.Globalization;
using System.Text;
using FaceIndex.Catalog;

namespace FaceIndex.Search;

/// <summary>
/// One face index per model: the library's default model keeps the library folder's faces.* files (so libraries indexed
/// before models could be mixed are untouched), every other model has its own folder under indexes/. Each index's
/// description records its model id and is checked on open, so no index ever holds two models' vectors.
/// </summary>
public sealed partial class FaceSearchIndex
{
    /// <summary>The library subfolder holding the indexes of models other than the default.</summary>
    public const string ModelIndexesFolder = "indexes";

    /// <summary>The folder this index's files are in.</summary>
    public string Folder { get; }

    /// <summary>The folder of <paramref name="modelId"/>'s index in <paramref name="catalog"/>'s library.</summary>
    public static string FolderFor(FaceCatalog catalog, string modelId)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentException.ThrowIfNullOrEmpty(modelId);
        var defaultModel = catalog.DefaultModelId();
        return defaultModel is null || string.Equals(defaultModel, modelId, StringComparison.Ordinal)
            ? catalog.Library
            : Path.Combine(catalog.Library, ModelIndexesFolder, FolderName(modelId));
    }

    /// <summary>
    /// Rebuilds every model's saved index from the catalog (after a removal: an index file is replaced, never patched), and
    /// deletes the files of a model with no face left. Returns the number of indexes rebuilt or deleted.
    /// </summary>
    public static int RebuildAll(FaceCatalog catalog, SearchIndexOptions? options = null, Action<string>? log = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var folders = new List<string> { catalog.Library };
        var others = Path.Combine(catalog.Library, ModelIndexesFolder);
        if (Directory.Exists(others))
        {
            folders.AddRange(Directory.EnumerateDirectories(others).Order(StringComparer.Ordinal));
        }

        var done = 0;
        foreach (var folder in folders)
        {
            if (ReadMeta(folder) is not { } meta)
            {
                continue;
            }

            if (!catalog.HasEmbeddings(meta.ModelId))
            {
                foreach (var file in new[] { MetaFile, AnnFile, IdsFile, HnswFile })
                {
                    File.Delete(Path.Combine(folder, file));
                }

                log?.Invoke($"no face of {meta.ModelId} left: its face index files were deleted");
            }
            else
            {
                log?.Invoke(string.Create(CultureInfo.InvariantCulture, $"rebuilding the face index of {meta.ModelId} without the removed faces ({meta.Describe()})"));
                Build(catalog, meta.ModelId, options ?? new SearchIndexOptions(Kind: meta.IsHnsw ? AnnKind.Hnsw : AnnKind.Annoy), log);
            }

            done++;
        }

        return done;
    }

    /// <summary>A file-system-safe folder name for a model id ("faceplugin/sha256:ab12...+flip" to "faceplugin-sha256-ab12...-flip").</summary>
    internal static string FolderName(string modelId)
    {
        var name = new StringBuilder(modelId.Length);
        foreach (var c in modelId)
        {
            name.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '-' ? c : '-');
        }

        return name.ToString().Trim('.');
    }
}
