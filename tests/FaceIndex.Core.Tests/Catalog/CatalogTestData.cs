using System.Security.Cryptography;
using System.Text;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

namespace FaceIndex.Tests.Catalog;

/// <summary>A temporary library folder, deleted afterwards.</summary>
internal sealed class TempLibrary : IDisposable
{
    public TempLibrary()
    {
        Root = Path.Combine(Path.GetTempPath(), "faceindex-catalog-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(Root);
        Library = Path.Combine(Root, "library");
    }

    public string Root { get; }

    public string Library { get; }

    public string Sub(string name)
    {
        var path = Path.Combine(Root, name);
        Directory.CreateDirectory(path);
        return path;
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
    }
}

/// <summary>Synthetic but plausible catalog input: face-shaped landmarks, unit embeddings, hashed "files".</summary>
internal static class CatalogTestData
{
    public const string Model = "test-model/v1";
    public const int Dimension = 128;

    public static FaceCatalog OpenWithDataset(string library, out long runId, string dataset = "lfw-mini")
    {
        var catalog = FaceCatalog.Open(library);
        catalog.RegisterDataset(new DatasetInfo(dataset, "unknown", Layout: DatasetLayout.IdentityFolders), Path.Combine(library, "..", dataset));
        runId = catalog.StartRun(dataset, """{"upsample":1}""", """{"faceindex":"test"}""");
        return catalog;
    }

    public static byte[] Sha(string content) => SHA256.HashData(Encoding.UTF8.GetBytes(content));

    /// <summary>An image with <paramref name="faces"/> faces; its content (hence hash) is derived from <paramref name="content"/>.</summary>
    public static ImageResult Image(string relPath, string? identity, int faces, Random rng, string? content = null)
    {
        content ??= relPath;
        var list = new List<ImageFace>();
        for (var i = 0; i < faces; i++)
        {
            list.Add(new ImageFace(Face(i, rng), i == 0));
        }

        return new ImageResult(relPath, Sha(content), content.Length * 1000L, 250, 250, identity,
            faces > 0 ? ImageStatus.Ok : ImageStatus.NoFace, null, null, list);
    }

    public static ImageResult Failed(string relPath, string reason, string? content = null)
    {
        content ??= relPath;
        return new ImageResult(relPath, Sha(content), content.Length, 0, 0, null, ImageStatus.Failed, reason, "could not decode", []);
    }

    public static FaceRecord Face(int index, Random rng)
    {
        var size = rng.Next(80, 300);
        var left = rng.Next(0, 400);
        var top = rng.Next(0, 400);
        var box = new FaceBox(left, top, left + size - 1, top + size - 1);
        var embedding = new float[Dimension];
        double norm = 0;
        for (var i = 0; i < embedding.Length; i++)
        {
            embedding[i] = (float)((rng.NextDouble() * 2) - 1);
            norm += embedding[i] * embedding[i];
        }

        for (var i = 0; i < embedding.Length; i++)
        {
            embedding[i] = (float)(embedding[i] / Math.Sqrt(norm));
        }

        return new FaceRecord(index, box, 0.5 + rng.NextDouble(), new FaceLandmarks(box, Shape(box, rng)), embedding, Model);
    }

    /// <summary>68 points laid out like the iBUG scheme (jaw, brows, nose, eyes, mouth), jittered by a pixel or two.</summary>
    public static LandmarkPoint[] Shape(FaceBox box, Random rng)
    {
        var pts = new List<(double X, double Y)>();
        for (var i = 0; i < 17; i++)
        {
            var a = Math.PI * i / 16;
            pts.Add((0.5 - (0.48 * Math.Cos(a)), 0.35 + (0.6 * Math.Sin(a))));
        }

        for (var i = 0; i < 5; i++)
        {
            pts.Add((0.12 + (0.075 * i), 0.28 - (0.03 * Math.Sin(Math.PI * i / 4))));
        }

        for (var i = 0; i < 5; i++)
        {
            pts.Add((0.58 + (0.075 * i), 0.28 - (0.03 * Math.Sin(Math.PI * i / 4))));
        }

        for (var i = 0; i < 4; i++)
        {
            pts.Add((0.5, 0.38 + (0.07 * i)));
        }

        for (var i = 0; i < 5; i++)
        {
            pts.Add((0.4 + (0.05 * i), 0.66));
        }

        foreach (var cx in new[] { 0.3, 0.7 })
        {
            for (var i = 0; i < 6; i++)
            {
                var a = Math.PI * 2 * i / 6;
                pts.Add((cx - (0.08 * Math.Cos(a)), 0.4 - (0.03 * Math.Sin(a))));
            }
        }

        for (var i = 0; i < 12; i++)
        {
            var a = Math.PI * 2 * i / 12;
            pts.Add((0.5 - (0.16 * Math.Cos(a)), 0.8 - (0.06 * Math.Sin(a))));
        }

        for (var i = 0; i < 8; i++)
        {
            var a = Math.PI * 2 * i / 8;
            pts.Add((0.5 - (0.1 * Math.Cos(a)), 0.8 - (0.02 * Math.Sin(a))));
        }

        return pts.Select(p => new LandmarkPoint(
            box.Left + (int)Math.Round(p.X * box.Width) + rng.Next(-2, 3),
            box.Top + (int)Math.Round(p.Y * box.Height) + rng.Next(-2, 3))).ToArray();
    }

    /// <summary>Writes <paramref name="count"/> faces, one per image, in batches of <paramref name="batchSize"/>.</summary>
    public static void Fill(FaceCatalog catalog, long runId, int count, int seed = 1, string prefix = "img", int batchSize = 256)
    {
        var rng = new Random(seed);
        var batch = new List<ImageResult>();
        for (var i = 0; i < count; i++)
        {
            var identity = $"Person_{i / 4:D6}";
            batch.Add(Image($"{identity}/{prefix}_{i:D7}.jpg", identity, 1, rng));
            if (batch.Count == batchSize)
            {
                catalog.CommitBatch(runId, batch);
                batch.Clear();
            }
        }

        if (batch.Count > 0)
        {
            catalog.CommitBatch(runId, batch);
        }
    }
}
