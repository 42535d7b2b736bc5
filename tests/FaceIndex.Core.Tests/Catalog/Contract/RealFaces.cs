using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Indexing;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

namespace FaceIndex.Tests.Catalog.Contract;

/// <summary>
/// Catalog input from the real pipeline, made once per test run: the committed face_recognition photos (three
/// identities), a crowd photo with many faces and a truncated JPEG, indexed by dlib into a scratch library, then read
/// back as the <see cref="ImageResult"/>s an indexer hands a catalog.
/// </summary>
internal static class RealFaces
{
    public const string Dataset = "sample";

    private static readonly Lazy<IReadOnlyList<ImageResult>> Made = new(Make);

    /// <summary>The images, by path: ok ones with faces and embeddings, one failed (decode) with none.</summary>
    public static IReadOnlyList<ImageResult> Images => Made.Value;

    public static DatasetInfo Info(string licence = "MIT") => new(Dataset, licence, SourceUrl: "tests/data/faces/face_recognition", Layout: DatasetLayout.IdentityFolders);

    /// <summary>Copies the committed face_recognition sample (three identities, two photos each) into <paramref name="set"/>.</summary>
    public static void CopySample(string set)
    {
        foreach (var file in Directory.EnumerateFiles(TestPaths.DataFile("faces", "face_recognition"), "*", SearchOption.AllDirectories))
        {
            var rel = Path.GetRelativePath(TestPaths.DataFile("faces", "face_recognition"), file);
            if (rel == DatasetInfo.FileName)
            {
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(Path.Combine(set, rel))!);
            File.Copy(file, Path.Combine(set, rel));
        }
    }

    private static List<ImageResult> Make()
    {
        var root = Path.Combine(Path.GetTempPath(), "faceindex-realfaces-" + Guid.NewGuid().ToString("N")[..10]);
        try
        {
            var set = Path.Combine(root, "set");
            CopySample(set);

            Directory.CreateDirectory(Path.Combine(set, "crowd"));
            File.Copy(TestPaths.DataFile("faces", "deepface", "selfie-many-people.jpg"), Path.Combine(set, "crowd", "selfie.jpg"));
            File.Copy(TestPaths.DataFile("bad", "truncated.jpg"), Path.Combine(set, "obama", "truncated.jpg"));
            var library = Path.Combine(root, "library");
            using var engine = FaceEngine.Load();
            using var catalog = FaceCatalog.Open(library);
            new DatasetIndexer(engine, catalog, new IndexerOptions(Workers: 1)).Run(Info(), set);
            var images = new List<ImageResult>();
            foreach (var image in Directory.EnumerateFiles(set, "*", SearchOption.AllDirectories).Select(f => Path.GetRelativePath(set, f).Replace('\\', '/')).Order(StringComparer.Ordinal))
            {
                var stored = catalog.GetImage(Dataset, image) ?? throw new InvalidOperationException($"{image} was not indexed");
                var faces = catalog.FacesOfImage(stored.Id).Select(f => new ImageFace(
                    new FaceRecord(f.FaceIndex, f.Box, f.Score, new FaceLandmarks(f.Box, [.. f.Landmarks]), f.Embedding, f.ModelId), f.IsSubject)).ToList();
                images.Add(new ImageResult(stored.RelPath, stored.Sha256!, stored.SizeBytes, stored.Width, stored.Height, stored.Identity, stored.Status, stored.ErrorReason, stored.Error, faces));
            }

            return images;
        }
        finally
        {
            try
            {
                Directory.Delete(root, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }
}
