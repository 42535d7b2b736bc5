using FaceIndex.Catalog;
using FaceIndex.Datasets;

namespace FaceIndex.Tests.Catalog.Contract;

/// <summary>
/// The catalog's contract (<see cref="IFaceCatalog"/>), asserted the same way on every backend: a subclass opens a
/// fresh, empty catalog of its kind. Real faces (dlib on the committed photos) go in; the same records must come out.
/// </summary>
public abstract class CatalogContractTests : IDisposable
{
    private const string Model = FaceIndex.Embedding.DlibResNetEmbedder.BaseModelId;
    private readonly List<IDisposable> _opened = [];

    public void Dispose()
    {
        foreach (var d in _opened)
        {
            d.Dispose();
        }

        DisposeBackend();
        GC.SuppressFinalize(this);
    }

    /// <summary>A new, empty catalog (skips the test when the backend cannot be started).</summary>
    protected abstract IFaceCatalog CreateEmpty();

    protected virtual void DisposeBackend()
    {
    }

    [SkippableFact]
    public void Registering_a_dataset_again_keeps_its_id_and_updates_its_licence()
    {
        var catalog = Open();
        var id = catalog.RegisterDataset(RealFaces.Info(), "/data/sample");
        var again = catalog.RegisterDataset(RealFaces.Info("CC BY 4.0"), "/data/sample");

        Assert.Equal(id, again);
        var stored = Assert.Single(catalog.Datasets());
        Assert.Equal(id, stored.Id);
        Assert.Equal("CC BY 4.0", stored.Info.Licence);
        Assert.Equal(DatasetLayout.IdentityFolders, stored.Info.Layout);
        Assert.Equal("tests/data/faces/face_recognition", stored.Info.SourceUrl);
        Assert.Equal(stored, catalog.GetDataset(RealFaces.Dataset));
        Assert.Null(catalog.GetDataset("nope"));
        Assert.Throws<CatalogException>(() => catalog.StartRun("nope"));
    }

    [SkippableFact]
    public void A_batch_of_real_faces_commits_exactly_once_and_reads_back_the_same_records()
    {
        var catalog = Open();
        var run = Register(catalog);
        var input = RealFaces.Images;
        var faces = input.Sum(i => i.Faces.Count);
        Assert.True(faces >= 8, $"the sample gave {faces} faces");

        var first = catalog.CommitBatch(run, input);
        var firstIds = catalog.FacesOfIdentity(RealFaces.Dataset, "obama").Select(f => f.Id).ToList();
        var second = catalog.CommitBatch(run, input);

        Assert.Equal(new CommitSummary(input.Count, faces, 0), first);
        Assert.Equal(first, second);
        Assert.Equal(faces, catalog.FaceCount());
        Assert.Empty(catalog.GetFaces(firstIds));
        foreach (var image in input)
        {
            var stored = catalog.GetImage(RealFaces.Dataset, image.RelPath)!;
            Assert.Equal((image.Status, image.Identity, image.Width, image.Height, image.SizeBytes, image.ErrorReason, image.Faces.Count), (stored.Status, stored.Identity, stored.Width, stored.Height, stored.SizeBytes, stored.ErrorReason, stored.FaceCount));
            Assert.Equal(image.Sha256, stored.Sha256);
            Assert.Equal(RealFaces.Dataset, stored.Dataset);
            Assert.Equal(run, stored.RunId);
            Assert.Equal(stored with { Sha256 = null }, catalog.GetImageById(stored.Id)! with { Sha256 = null });
            var read = catalog.FacesOfImage(stored.Id);
            Assert.Equal(image.Faces.Select(f => f.Face.Index), read.Select(f => f.FaceIndex));
            for (var n = 0; n < read.Count; n++)
            {
                var (face, subject) = (image.Faces[n].Face, image.Faces[n].IsSubject);
                Assert.Equal((face.Box, face.Score, subject, face.ModelId, image.Identity, image.RelPath), (read[n].Box, read[n].Score, read[n].IsSubject, read[n].ModelId, read[n].Identity, read[n].RelPath));
                Assert.Equal(face.Landmarks.Points, read[n].Landmarks);
                Assert.Equal(face.Embedding, read[n].Embedding);
                Assert.Equal(read[n], Strip(catalog.GetFace(read[n].Id)!, read[n]));
            }
        }

        var all = input.SelectMany(i => catalog.FacesOfImage(catalog.GetImage(RealFaces.Dataset, i.RelPath)!.Id)).ToList();
        Assert.Equal(all.Select(f => f.Id).Order(), catalog.GetFaces([.. all.Select(f => f.Id), 999_999]).Keys.Order());
        Assert.Equal(
            [ImageStatus.Ok, ImageStatus.Failed],
            catalog.CountByStatus().Keys.Order());
        Assert.Equal(input.Count(i => i.Status == ImageStatus.Ok), catalog.CountByStatus(RealFaces.Dataset)[ImageStatus.Ok]);
        Assert.Empty(catalog.CountByStatus("nope"));
        Assert.Equal(1, catalog.CountByFailureReason().Values.Sum());
        var failed = Assert.Single(catalog.FailedImages());
        Assert.Equal("obama/truncated.jpg", failed.RelPath);
        Assert.Equal(input.Single(i => i.Status == ImageStatus.Failed).ErrorReason, Assert.Single(catalog.CountByFailureReason(RealFaces.Dataset)).Key);

        var identities = catalog.Identities(RealFaces.Dataset);
        Assert.Equal(["crowd", "kit_harington", "obama", "rose_leslie"], identities.Select(i => i.Identity));
        Assert.Equal(3, identities.Single(i => i.Identity == "obama").Images);
        Assert.Equal(input.Where(i => i.Identity == "crowd").Sum(i => i.Faces.Count), identities.Single(i => i.Identity == "crowd").Faces);
        Assert.Equal(
            catalog.FacesOfIdentity(RealFaces.Dataset, "kit_harington").Select(f => f.RelPath),
            input.Where(i => i.Identity == "kit_harington").SelectMany(i => i.Faces.Select(_ => i.RelPath)).Order(StringComparer.Ordinal));

        var done = catalog.LoadDone(RealFaces.Dataset);
        Assert.Equal(input.Count, done.Count);
        Assert.All(input, i => Assert.True(done.ShouldSkip(i.RelPath, i.Sha256, i.SizeBytes)));
        Assert.False(catalog.LoadDone(RealFaces.Dataset, retryFailed: true).ShouldSkip(failed.RelPath, failed.Sha256!, failed.SizeBytes));
    }

    [SkippableFact]
    public void Removals_delete_the_faces_are_listed_and_block_the_images_from_coming_back()
    {
        var catalog = Open();
        var run = Register(catalog);
        var input = RealFaces.Images;
        catalog.CommitBatch(run, input);
        var obama = input.Where(i => i.Identity == "obama").ToList();
        var obamaFaces = obama.Sum(i => i.Faces.Count);
        var before = catalog.FaceCount();
        var maxBefore = catalog.MaxFaceId();

        var identity = catalog.RemoveIdentity(RealFaces.Dataset, "obama", "request 1");

        Assert.Equal((RemovalKind.Identity, "obama", "request 1", obamaFaces, obama.Count), (identity.Kind, identity.Value, identity.Reason, identity.FacesRemoved, identity.ImagesRemoved));
        Assert.Equal(before - obamaFaces, catalog.FaceCount());
        Assert.Empty(catalog.FacesOfIdentity(RealFaces.Dataset, "obama"));
        Assert.Equal(ImageStatus.Removed, catalog.GetImage(RealFaces.Dataset, "obama/obama.jpg")!.Status);
        Assert.Equal(0, catalog.GetImage(RealFaces.Dataset, "obama/obama.jpg")!.FaceCount);
        Assert.DoesNotContain(catalog.Identities(RealFaces.Dataset), i => i.Identity == "obama");
        Assert.Equal(maxBefore, catalog.MaxFaceId());
        Assert.True(catalog.IsBlocked(RealFaces.Dataset, "obama/new.jpg", [], "obama"));
        Assert.False(catalog.IsBlocked(RealFaces.Dataset, "rose_leslie/new.jpg", [], "rose_leslie"));

        // One image by path (the last committed, so it held the highest face id, which stays the highest ever
        // assigned): its content is blocked in any dataset, under any path.
        var rose = input.Last(i => i.Faces.Count > 0);
        Assert.Equal("rose_leslie", rose.Identity);
        var image = catalog.RemoveImage(RealFaces.Dataset, rose.RelPath, null);
        Assert.Equal(maxBefore, catalog.MaxFaceId());
        Assert.Equal((RemovalKind.Image, rose.Faces.Count, 1), (image.Kind, image.FacesRemoved, image.ImagesRemoved));
        Assert.Equal(rose.Sha256, image.Sha256);
        Assert.True(catalog.IsBlocked("elsewhere", "copy.jpg", rose.Sha256, null));
        Assert.Equal([identity.Id, image.Id], catalog.Removals().Select(r => r.Id));
        Assert.Equal([identity, image with { Sha256 = null }], catalog.Removals(RealFaces.Dataset).Select(r => r.Sha256 is null ? r : r with { Sha256 = null }));
        Assert.Empty(catalog.Removals("nope"));

        // Indexing the same images again adds none of them back, and new face ids are above every old one.
        var again = catalog.CommitBatch(run, input);
        Assert.Equal(obama.Count + 1, again.Blocked);
        Assert.Equal(before - obamaFaces - rose.Faces.Count, catalog.FaceCount());
        Assert.Empty(catalog.FacesOfIdentity(RealFaces.Dataset, "obama"));
        Assert.Equal(ImageStatus.Removed, catalog.GetImage(RealFaces.Dataset, rose.RelPath)!.Status);
        Assert.True(catalog.FacesOfIdentity(RealFaces.Dataset, "kit_harington").All(f => f.Id > maxBefore));
        Assert.Equal(obama.Count + 1, catalog.CountByStatus()[ImageStatus.Removed]);
    }

    [SkippableFact]
    public void Visiting_embeddings_after_a_mark_gives_exactly_the_faces_added_since_in_id_order()
    {
        var catalog = Open();
        var run = Register(catalog);
        var input = RealFaces.Images;
        var firstHalf = input.Where(i => i.Identity is "obama" or "rose_leslie").ToList();
        var secondHalf = input.Except(firstHalf).ToList();
        catalog.CommitBatch(run, firstHalf);
        var mark = catalog.MaxFaceId();
        catalog.CommitBatch(run, secondHalf);

        var visited = new List<(long Id, float[] Embedding)>();
        var n = catalog.VisitEmbeddings(Model, mark, (id, e) => visited.Add((id, e.ToArray())));

        Assert.Equal(secondHalf.Sum(i => i.Faces.Count), n);
        Assert.Equal(n, catalog.CountFacesAfter(mark));
        Assert.Equal(visited.Select(v => v.Id).Order(), visited.Select(v => v.Id));
        Assert.All(visited, v => Assert.True(v.Id > mark));
        Assert.Equal(
            secondHalf.SelectMany(i => i.Faces.Select(f => f.Face.Embedding!)).Select(Key).Order(StringComparer.Ordinal),
            visited.Select(v => Key(v.Embedding)).Order(StringComparer.Ordinal));
        Assert.Equal(input.Sum(i => i.Faces.Count), catalog.VisitEmbeddings(Model, 0, (_, _) => { }));
        Assert.Equal(input.Sum(i => i.Faces.Count(f => f.IsSubject)), catalog.VisitEmbeddings(Model, 0, (_, _) => { }, subjectsOnly: true));
        Assert.Equal(0, catalog.VisitEmbeddings("no-such-model", 0, (_, _) => { }));

        var into = new Dictionary<long, float[]>();
        catalog.ReadEmbeddings([visited[0].Id, visited[^1].Id, 999_999], into);
        Assert.Equal(2, into.Count);
        Assert.Equal(visited[^1].Embedding, into[visited[^1].Id]);

        var labelled = catalog.LabelledSubjects(RealFaces.Dataset, Model);
        Assert.Equal(input.Where(i => i.Identity is not null).Sum(i => i.Faces.Count(f => f.IsSubject)), labelled.Count);
        Assert.Equal(labelled.Select(l => l.FaceId).Order(), labelled.Select(l => l.FaceId));
        Assert.Empty(catalog.LabelledSubjects(RealFaces.Dataset, "no-such-model"));
    }

    [SkippableFact]
    public void Runs_are_listed_newest_first_with_their_records_and_a_finished_run_takes_no_more_writes()
    {
        var catalog = Open();
        var first = Register(catalog);
        catalog.CommitBatch(first, RealFaces.Images.Take(2).ToList());
        catalog.FinishRun(first, RunStatus.Completed, """{"processed":2}""", """{"total":1.5}""");
        var second = catalog.StartRun(RealFaces.Dataset, """{"upsample":0}""", null);

        var runs = catalog.Runs();
        Assert.Equal([second, first], runs.Select(r => r.Id));
        Assert.Equal((RunStatus.Running, (DateTimeOffset?)null, """{"upsample":0}"""), (runs[0].Status, runs[0].EndedAt, runs[0].SettingsJson));
        Assert.Equal((RunStatus.Completed, """{"processed":2}""", """{"total":1.5}""", """{"faceindex":"contract"}"""), (runs[1].Status, runs[1].CountsJson, runs[1].TimingsJson, runs[1].VersionsJson));
        Assert.NotNull(runs[1].EndedAt);
        Assert.Equal(runs, catalog.Runs(RealFaces.Dataset));
        Assert.Empty(catalog.Runs("nope"));
        var refused = Assert.Throws<CatalogException>(() => catalog.CommitBatch(first, RealFaces.Images.Take(1).ToList()));
        Assert.Contains("completed", refused.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_latest_calibration_of_the_narrowest_scope_is_in_force()
    {
        var catalog = Open();
        Register(catalog);
        Assert.Null(catalog.CurrentCalibration(Model));
        var model = catalog.AddCalibration(Model, null, 0.55, "eer", "lfw", """{"eer":0.02}""");
        var dataset = catalog.AddCalibration(Model, RealFaces.Dataset, 0.5, "far=1e-3", "sample", "{}");
        var newer = catalog.AddCalibration(Model, null, 0.58, "eer", "lfw-2", "{}");

        Assert.Equal(dataset, catalog.CurrentCalibration(Model, RealFaces.Dataset)!.Id);
        Assert.Equal(newer, catalog.CurrentCalibration(Model)!.Id);
        Assert.Equal(newer, catalog.CurrentCalibration(Model, "other")!.Id);
        Assert.Equal([newer, dataset], catalog.CurrentCalibrations().Select(c => c.Id));
        Assert.Equal((0.5, "far=1e-3", "sample", RealFaces.Dataset), catalog.CurrentCalibrations().Select(c => (c.Threshold, c.Chosen, c.Source, c.Dataset)).Last());
        Assert.True(model < dataset);
    }

    private static long Register(IFaceCatalog catalog)
    {
        catalog.RegisterDataset(RealFaces.Info(), "/data/sample");
        return catalog.StartRun(RealFaces.Dataset, """{"upsample":1}""", """{"faceindex":"contract"}""");
    }

    private static StoredFace Strip(StoredFace one, StoredFace like) =>
        one with { Landmarks = like.Landmarks, Embedding = like.Embedding };

    private static string Key(float[] embedding) => Convert.ToHexString(System.Runtime.InteropServices.MemoryMarshal.AsBytes(embedding.AsSpan()));

    private IFaceCatalog Open()
    {
        var catalog = CreateEmpty();
        _opened.Add(catalog);
        return catalog;
    }
}
