using System.Numerics.Tensors;
using System.Security.Cryptography;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Indexing;
using FaceIndex.Models;
using FaceIndex.Pipeline;
using FaceIndex.Removal;
using FaceIndex.Search;
using FaceIndex.Tests.Catalog;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Tests.Indexing;

/// <summary>A library holding dlib's and the bundled faceplugin model's embeddings of the same faces (real photos, real ONNX session).</summary>
public sealed class MultiModelLibraryTests : IDisposable
{
    private const string Dataset = "sample";
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [SkippableFact]
    public void Indexing_again_with_another_model_embeds_from_the_stored_landmarks_resumably_and_builds_its_own_index()
    {
        var faceplugin = Faceplugin();
        var root = SampleDataset();
        using var dlibEngine = FaceEngine.Load();
        using var fpEngine = FaceEngine.Load(new EngineOptions(Model: faceplugin));
        var dlibId = dlibEngine.Embedder.ModelId;
        var fpId = fpEngine.Embedder.ModelId;
        string before;
        using (var catalog = FaceCatalog.Open(_temp.Library))
        {
            var first = new DatasetIndexer(dlibEngine, catalog, new IndexerOptions(Workers: 1)).Run(Info(), root);
            Assert.Equal(7, first.Faces);
            FaceSearchIndex.BuildIfChanged(catalog, dlibId);
            before = FaceRows(catalog);
            Assert.Equal(dlibId, catalog.DefaultModelId());
        }

        // Before its embeddings are added, a query with the second model says how to add them.
        using (var lacking = FaceLibrary.OpenForModel(_temp.Library, BundledModels.FacepluginName))
        {
            var ex = Assert.Throws<FaceIndexException>(() => lacking.QueryByFaceId(1));
            Assert.Contains($"faceindex index DIR --dataset {Dataset} --model faceplugin", ex.Message, StringComparison.Ordinal);
        }

        using (var catalog = FaceCatalog.Open(_temp.Library))
        {
            // A run killed after its first batch of embeddings: the second batch's transaction never commits.
            var commits = 0;
            catalog.BeforeCommit = () =>
            {
                if (catalog.CountEmbeddings(fpId) > 0 && ++commits == 2)
                {
                    catalog.BeforeCommit = null;
                    throw new IOException("simulated kill between two batches");
                }
            };
            Assert.ThrowsAny<Exception>(() => new DatasetIndexer(fpEngine, catalog, new IndexerOptions(Workers: 1, EmbedBatch: 2)).Run(Info(), root));
            catalog.BeforeCommit = null;
            var kept = catalog.CountEmbeddings(fpId);
            Assert.InRange(kept, 1, 6);

            var resumed = new DatasetIndexer(fpEngine, catalog, new IndexerOptions(Workers: 1, EmbedBatch: 2)).Run(Info(), root);
            Assert.Equal(0, resumed.Processed);
            Assert.Equal(6, resumed.Skipped);
            Assert.Equal(7 - kept, resumed.ReEmbeddedFaces);
            Assert.DoesNotContain("detect+landmarks+align", resumed.StageSeconds.Keys);
            Assert.Contains("align (stored landmarks)", resumed.StageSeconds.Keys);

            var again = new DatasetIndexer(fpEngine, catalog, new IndexerOptions(Workers: 1)).Run(Info(), root);
            Assert.Equal(0, again.ReEmbeddedFaces + again.Processed);

            // No detection ran: every face row (ids, boxes, landmarks, dlib embeddings) is as the first run left it.
            Assert.Equal(before, FaceRows(catalog));
            Assert.Equal(7, catalog.CountEmbeddings(dlibId));
            Assert.Equal(7, catalog.CountEmbeddings(fpId));
            Assert.Equal(dlibId, catalog.DefaultModelId());
            Assert.True(catalog.Check().IsOk);

            // What the stored landmarks gave equals the full faceplugin pipeline on the same photo (unit length: a cosine model).
            var analysis = fpEngine.Analyze(Path.Combine(root, "obama", "obama.jpg"), new PipelineOptions(Upsample: 0));
            var stored = catalog.GetImage(Dataset, "obama/obama.jpg")!;
            var faceId = Assert.Single(catalog.FacesOfImage(stored.Id)).Id;
            var vectors = new Dictionary<long, float[]>();
            catalog.ReadEmbeddings(fpId, [faceId], vectors);
            var direct = LibraryModels.ToLibrarySpace(faceplugin, analysis.Faces[0].Embedding!);
            Assert.Equal(1f, TensorPrimitives.Norm(vectors[faceId]), 4);
            Assert.True(TensorPrimitives.Distance(direct, vectors[faceId]) < 1e-3, $"re-embedded differs from the pipeline by {TensorPrimitives.Distance(direct, vectors[faceId])}");

            var fpMeta = FaceSearchIndex.BuildIfChanged(catalog, fpId);
            Assert.Equal(fpId, fpMeta.ModelId);
            Assert.Equal(7, fpMeta.Items);
            Assert.NotEqual(catalog.Library, FaceSearchIndex.FolderFor(catalog, fpId));
            Assert.Equal(dlibId, FaceSearchIndex.ReadMeta(catalog.Library)!.ModelId);
            Assert.Equal(fpId, FaceSearchIndex.ReadMeta(FaceSearchIndex.FolderFor(catalog, fpId))!.ModelId);
        }

        // Both models name the right person first for a photo neither indexed; each decides by its own threshold.
        var probe = TestPaths.DataFile("faces", "queries", "obama2.jpg");
        foreach (var model in new string?[] { null, "faceplugin" })
        {
            using var library = FaceLibrary.OpenForModel(_temp.Library, model);
            var result = library.Search(library.AnalyzeFile(probe), new PhotoQueryOptions(3, SubjectPolicy.Largest));
            var best = result.Faces[0].Hits[0];
            Assert.Equal("obama", best.Identity);
            Assert.True(best.SamePerson, $"{model}: {best.Distance} vs {result.Threshold!.Description}");
            Assert.Equal(model is null ? dlibId : fpId, library.Index.ModelId);
            if (model is not null)
            {
                Assert.Contains("cosine similarity 0.45", result.Threshold!.Description, StringComparison.Ordinal);
                Assert.False(result.Faces[0].Hits[2].SamePerson);
            }
        }
    }

    [SkippableFact]
    public void Removing_a_face_removes_every_models_embedding_and_leaves_no_trace_in_either_index()
    {
        var faceplugin = Faceplugin();
        var root = SampleDataset();
        using var dlibEngine = FaceEngine.Load();
        using var fpEngine = FaceEngine.Load(new EngineOptions(Model: faceplugin));
        var fpId = fpEngine.Embedder.ModelId;
        using var catalog = FaceCatalog.Open(_temp.Library);
        new DatasetIndexer(dlibEngine, catalog, new IndexerOptions(Workers: 1)).Run(Info(), root);
        new DatasetIndexer(fpEngine, catalog, new IndexerOptions(Workers: 1)).Run(Info(), root);
        FaceSearchIndex.BuildIfChanged(catalog, dlibEngine.Embedder.ModelId);
        FaceSearchIndex.BuildIfChanged(catalog, fpId);
        var fpIndex = Path.Combine(FaceSearchIndex.FolderFor(catalog, fpId), FaceSearchIndex.AnnFile);
        var obamaFaces = catalog.Identities(Dataset).Single(i => i.Identity == "obama").Faces;
        var covered = catalog.EmbeddingsCoveredBy(Dataset, RemovalKind.Identity, "obama");
        Assert.Equal(2 * obamaFaces, covered.Count);
        Assert.True(TraceScanner.Scan(fpIndex, [.. covered.SelectMany(c => TraceScanner.Fingerprints(0, c.FaceId, c.Embedding))]) > 0);

        var outcome = RemovalEraser.Remove(catalog, Dataset, RemovalKind.Identity, "obama", "request", new ErasureOptions());

        var v = outcome.Verification!;
        Assert.True(v.Clean, string.Join("\n", v.Places.Where(p => p.Found > 0).Select(p => $"{p.Path} {p.Found}")));
        Assert.Contains(v.Places, p => p.Path == fpIndex);
        Assert.Equal(7 - obamaFaces, catalog.CountEmbeddings(fpId));
        Assert.Equal(7 - obamaFaces, FaceSearchIndex.ReadMeta(FaceSearchIndex.FolderFor(catalog, fpId))!.Items);
        Assert.Equal(0, Scalar(catalog, "SELECT count(*) FROM face_embeddings e LEFT JOIN faces f ON f.id = e.face_id WHERE f.id IS NULL"));
        Assert.True(catalog.Check().IsOk);
    }

    [Fact]
    public void A_version_2_library_is_upgraded_to_hold_several_models_and_keeps_its_default()
    {
        using (var catalog = CatalogTestData.OpenWithDataset(_temp.Library, out var run))
        {
            catalog.CommitBatch(run, [CatalogTestData.Image("Ann/1.jpg", "Ann", 2, new Random(5))]);
        }

        var db = Path.Combine(_temp.Library, FaceCatalog.FileName);
        using (var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = db, Pooling = false }.ToString()))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "DROP TABLE face_embeddings; DROP INDEX faces_model; DELETE FROM meta WHERE key = 'default-model'; PRAGMA user_version = 2;";
            cmd.ExecuteNonQuery();
        }

        using var upgraded = FaceCatalog.Open(_temp.Library);

        Assert.Equal(3, upgraded.SchemaVersion);
        Assert.Equal(CatalogTestData.Model, upgraded.GetMeta(FaceCatalog.DefaultModelKey));
        Assert.Equal(2, upgraded.CountEmbeddings(CatalogTestData.Model));
        Assert.Equal(_temp.Library, FaceSearchIndex.FolderFor(upgraded, CatalogTestData.Model));

        // A second model's vectors go beside the first's, never over them; a rerun adds nothing; its own folder for its index.
        var faces = upgraded.FacesOfImage(upgraded.GetImage("lfw-mini", "Ann/1.jpg")!.Id);
        var other = faces.Select(f => (f.Id, Enumerable.Repeat(0.5f, 4).ToArray())).ToList();
        Assert.Equal(2, upgraded.CommitEmbeddings("other/v1", other));
        Assert.Equal(0, upgraded.CommitEmbeddings("other/v1", other));
        var vectors = new Dictionary<long, float[]>();
        upgraded.ReadEmbeddings("other/v1", [.. faces.Select(f => f.Id)], vectors);
        Assert.All(vectors.Values, v => Assert.Equal(4, v.Length));
        Assert.Equal(CatalogTestData.Dimension, upgraded.GetFace(faces[0].Id)!.Embedding!.Length);
        Assert.Empty(upgraded.ImagesMissingEmbedding("lfw-mini", "other/v1"));
        Assert.Single(upgraded.ImagesMissingEmbedding("lfw-mini", "third/v1"));
        Assert.EndsWith(Path.Combine(FaceSearchIndex.ModelIndexesFolder, "other-v1"), FaceSearchIndex.FolderFor(upgraded, "other/v1"), StringComparison.Ordinal);
        Assert.All(upgraded.DatasetFaces("lfw-mini", "other/v1"), f => Assert.Equal(4, f.Face.Embedding!.Length));
        Assert.Equal(2, upgraded.DatasetFaces("lfw-mini", "other/v1").Count);

        // A merge carries the other model's embeddings with their faces.
        upgraded.Checkpoint();
        using var merged = FaceCatalog.Open(Path.Combine(_temp.Root, "merged"));
        merged.MergeFrom(_temp.Library);
        Assert.Equal(2, merged.CountEmbeddings("other/v1"));
        Assert.Equal(2, merged.CountEmbeddings(CatalogTestData.Model));
    }

    private static RegisteredModel Faceplugin()
    {
        var file = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(file), $"needs {file} (bash scripts/setup.sh fetches it)");
        return ModelRegistry.Open(null).Resolve(BundledModels.FacepluginName);
    }

    private static DatasetInfo Info() => new(Dataset, "MIT", Layout: DatasetLayout.IdentityFolders);

    /// <summary>The committed sample (3 people, 6 photos, 7 faces) copied, so the test owns its files.</summary>
    private string SampleDataset()
    {
        var root = _temp.Sub("data");
        foreach (var dir in Directory.GetDirectories(TestPaths.DataFile("faces", "face_recognition")))
        {
            var to = Path.Combine(root, Path.GetFileName(dir));
            Directory.CreateDirectory(to);
            foreach (var file in Directory.GetFiles(dir))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
            }
        }

        return root;
    }

    /// <summary>Every face row as stored: id, image, box, score, landmarks, model and a hash of its first embedding.</summary>
    private static string FaceRows(FaceCatalog catalog)
    {
        var faces = catalog.GetFaces([.. Enumerable.Range(1, (int)catalog.MaxFaceId()).Select(i => (long)i)]).Values.OrderBy(f => f.Id);
        return string.Join('\n', faces.Select(f =>
            $"{f.Id} {f.ImageId} {f.Box} {f.Score:R} {string.Join(';', f.Landmarks)} {f.ModelId} {Convert.ToHexString(SHA256.HashData(System.Runtime.InteropServices.MemoryMarshal.AsBytes(f.Embedding.AsSpan())))}"));
    }

    private static long Scalar(FaceCatalog catalog, string sql)
    {
        using var cmd = catalog.Connection.CreateCommand();
        cmd.CommandText = sql;
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
