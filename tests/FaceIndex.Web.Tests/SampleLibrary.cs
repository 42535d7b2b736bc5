using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using FaceIndex.Tests;

namespace FaceIndex.Web.Tests;

/// <summary>A library made from the committed sample (6 photos of 3 people, MIT), indexed once for the class's tests.</summary>
public sealed class SampleLibrary : IDisposable
{
    public SampleLibrary()
    {
        Root = Path.Combine(Path.GetTempPath(), "faceindex-web-tests-" + Guid.NewGuid().ToString("N")[..12]);
        Library = Path.Combine(Root, "library");
        Dataset = Path.Combine(Root, "sample");
        CopyTree(TestPaths.DataFile("faces", "face_recognition"), Dataset);
        Index(Library, Dataset);
    }

    public string Root { get; }

    public string Library { get; }

    public string Dataset { get; }

    /// <summary>The unseen query photo of Obama.</summary>
    public static string Obama2 => TestPaths.DataFile("faces", "queries", "obama2.jpg");

    /// <summary>Indexes <paramref name="dataset"/> (its dataset.json names it) into <paramref name="library"/> and builds the face index, as 'faceindex index' does.</summary>
    public static void Index(string library, string dataset)
    {
        using var catalog = FaceCatalog.Open(library);
        using var engine = FaceEngine.Load();
        var info = DatasetInfo.Resolve(dataset, new DatasetOptions(Licence: File.Exists(Path.Combine(dataset, "dataset.json")) ? null : "test"));
        new DatasetIndexer(engine, catalog).Run(info, dataset);
        FaceSearchIndex.BuildIfChanged(catalog, engine.Embedder.ModelId);
    }

    /// <summary>A copy of the library (catalog and index), for a test that writes to it.</summary>
    public string CopyLibrary(string name)
    {
        var copy = Path.Combine(Root, name);
        CopyTree(Library, copy);
        return copy;
    }

    public ServeOptions Options(string? library = null) => new()
    {
        Library = library ?? Library,
        ResultsDir = Path.Combine(Root, "results-" + Guid.NewGuid().ToString("N")[..8]),
        ReportsDir = Path.Combine(Root, "reports"),
    };

    public static void CopyTree(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.EnumerateFiles(from, "*", SearchOption.AllDirectories))
        {
            var target = Path.Combine(to, Path.GetRelativePath(from, file));
            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            File.Copy(file, target, overwrite: true);
        }
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
