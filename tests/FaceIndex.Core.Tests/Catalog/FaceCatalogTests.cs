using FaceIndex.Catalog;
using FaceIndex.Datasets;
using static FaceIndex.Tests.Catalog.CatalogTestData;

namespace FaceIndex.Tests.Catalog;

public sealed class FaceCatalogTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void Rerunning_a_committed_batch_replaces_faces_without_duplicates()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        var batch = new[]
        {
            Image("Ann/Ann_0001.jpg", "Ann", 2, new Random(1)),
            Image("Bob/Bob_0001.jpg", "Bob", 1, new Random(2)),
            Image("Bob/Bob_0002.jpg", "Bob", 0, new Random(3)),
        };

        var first = catalog.CommitBatch(run, batch);
        var firstIds = Ids(catalog);
        var second = catalog.CommitBatch(run, batch);

        Assert.Equal(new CommitSummary(3, 3, 0), first);
        Assert.Equal(new CommitSummary(3, 3, 0), second);
        Assert.Equal(3, catalog.FaceCount());
        var ids = Ids(catalog);
        Assert.Equal(3, ids.Count);
        Assert.True(ids.Min() > firstIds.Max(), "re-processed faces get new ids; the old ones are gone");
        Assert.Empty(catalog.FilterExisting(firstIds));

        var ann = catalog.GetImage("lfw-mini", "Ann/Ann_0001.jpg")!;
        Assert.Equal(ImageStatus.Ok, ann.Status);
        Assert.Equal(2, ann.FaceCount);
        var faces = catalog.FacesOfImage(ann.Id);
        Assert.Equal([0, 1], faces.Select(f => f.FaceIndex));
        Assert.Equal([true, false], faces.Select(f => f.IsSubject));
        var expected = batch[0].Faces[1].Face;
        Assert.Equal(expected.Box, faces[1].Box);
        Assert.Equal(expected.Landmarks.Points, faces[1].Landmarks);
        Assert.Equal(expected.Embedding, faces[1].Embedding);
        Assert.Equal(Model, faces[1].ModelId);
        Assert.Equal("Ann", faces[1].Identity);
        Assert.Equal(ImageStatus.NoFace, catalog.GetImage("lfw-mini", "Bob/Bob_0002.jpg")!.Status);
        Assert.True(catalog.Check().IsOk);
    }

    [Fact]
    public void A_rerun_skips_unchanged_images_and_reprocesses_a_changed_file()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        var original = Image("Ann/Ann_0001.jpg", "Ann", 1, new Random(1), content: "version 1");
        catalog.CommitBatch(run, [original]);

        var done = catalog.LoadDone("lfw-mini");
        var changed = Image("Ann/Ann_0001.jpg", "Ann", 1, new Random(9), content: "version 2!");

        Assert.True(done.ShouldSkip(original.RelPath, original.Sha256, original.SizeBytes));
        Assert.False(done.ShouldSkip(changed.RelPath, changed.Sha256, changed.SizeBytes));
        Assert.False(done.ShouldSkip("Ann/Ann_0002.jpg", original.Sha256, original.SizeBytes));

        catalog.CommitBatch(run, [changed]);
        var face = catalog.FacesOfImage(catalog.GetImage("lfw-mini", changed.RelPath)!.Id).Single();
        Assert.Equal(changed.Faces[0].Face.Embedding, face.Embedding);
        Assert.Equal(1, catalog.FaceCount());
        Assert.True(catalog.LoadDone("lfw-mini").ShouldSkip(changed.RelPath, changed.Sha256, changed.SizeBytes));
    }

    [Fact]
    public void Failed_images_are_retried_only_when_asked()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        var failed = Failed("Ann/broken.jpg", "decode_failed");
        catalog.CommitBatch(run, [failed, Failed("Ann/huge.png", "too_large"), Failed("Bob/x.jpg", "decode_failed")]);

        Assert.True(catalog.LoadDone("lfw-mini").ShouldSkip(failed.RelPath, failed.Sha256, failed.SizeBytes));
        Assert.False(catalog.LoadDone("lfw-mini", retryFailed: true).ShouldSkip(failed.RelPath, failed.Sha256, failed.SizeBytes));
        Assert.Equal(3, catalog.CountByStatus()[ImageStatus.Failed]);
        var reasons = catalog.CountByFailureReason("lfw-mini");
        Assert.Equal(2, reasons["decode_failed"]);
        Assert.Equal(1, reasons["too_large"]);

        // A retry that succeeds turns the failure into an indexed image.
        catalog.CommitBatch(run, [Image(failed.RelPath, "Ann", 1, new Random(4), content: failed.RelPath)]);
        Assert.Equal(2, catalog.CountByStatus()[ImageStatus.Failed]);
        Assert.Equal(1, catalog.CountByStatus()[ImageStatus.Ok]);
    }

    [Fact]
    public void Removing_an_identity_deletes_its_faces_at_once_and_blocks_adding_them_back()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        var rng = new Random(5);
        catalog.CommitBatch(run,
        [
            Image("Ann/Ann_0001.jpg", "Ann", 1, rng),
            Image("Ann/Ann_0002.jpg", "Ann", 2, rng),
            Image("Bob/Bob_0001.jpg", "Bob", 1, rng),
        ]);
        var annFaceIds = Ids(catalog).Take(3).ToList();

        var removal = catalog.RemoveIdentity("lfw-mini", "Ann", "subject asked by e-mail");

        Assert.Equal(3, removal.FacesRemoved);
        Assert.Equal(2, removal.ImagesRemoved);
        Assert.Equal(1, catalog.FaceCount());
        Assert.Empty(catalog.FilterExisting(annFaceIds));
        Assert.Empty(catalog.GetFaces(annFaceIds));
        Assert.Equal("Bob", Assert.Single(catalog.GetFaces(Ids(catalog).ToList())).Value.Identity);
        Assert.Null(catalog.GetFace(annFaceIds[0]));
        Assert.Equal(["Bob"], catalog.Identities("lfw-mini").Select(i => i.Identity));
        Assert.True(catalog.IsBlocked("lfw-mini", "Ann/Ann_0003.jpg", Sha("new photo"), "Ann"));
        Assert.False(catalog.IsBlocked("lfw-mini", "Bob/Bob_0002.jpg", Sha("another"), "Bob"));

        // A later run that finds Ann again stores nothing of her.
        var rerun = catalog.StartRun("lfw-mini");
        var summary = catalog.CommitBatch(rerun, [Image("Ann/Ann_0001.jpg", "Ann", 1, rng), Image("Ann/Ann_0003.jpg", "Ann", 1, rng)]);
        Assert.Equal(2, summary.Blocked);
        Assert.Equal(0, summary.Faces);
        Assert.Equal(1, catalog.FaceCount());
        Assert.Equal(ImageStatus.Removed, catalog.GetImage("lfw-mini", "Ann/Ann_0003.jpg")!.Status);
        Assert.True(catalog.LoadDone("lfw-mini").ShouldSkip("Ann/Ann_0003.jpg", Sha("x"), 1));

        var logged = Assert.Single(catalog.Removals("lfw-mini"));
        Assert.Equal(RemovalKind.Identity, logged.Kind);
        Assert.Equal("Ann", logged.Value);
        Assert.Equal("subject asked by e-mail", logged.Reason);
        Assert.Equal(3, logged.FacesRemoved);
        Assert.True(catalog.Check().IsOk);
    }

    [Fact]
    public void Removing_an_image_blocks_it_by_path_and_by_content_under_a_new_path()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        var rng = new Random(6);
        var photo = Image("Ann/Ann_0001.jpg", "Ann", 1, rng, content: "the photo");
        catalog.CommitBatch(run, [photo, Image("Ann/Ann_0002.jpg", "Ann", 1, rng)]);

        var removal = catalog.RemoveImage("lfw-mini", photo.RelPath, "copyright holder's request");

        Assert.Equal(1, removal.FacesRemoved);
        Assert.Equal(photo.Sha256, removal.Sha256);
        Assert.Equal(1, catalog.FaceCount());
        Assert.Equal(ImageStatus.Removed, catalog.GetImage("lfw-mini", photo.RelPath)!.Status);

        // The same bytes renamed, and in another dataset of the library, stay out.
        catalog.RegisterDataset(new DatasetInfo("other", "CC-BY-4.0", Layout: DatasetLayout.Flat), _temp.Sub("other"));
        var otherRun = catalog.StartRun("other");
        var renamed = Image("Ann/renamed.jpg", "Ann", 1, rng, content: "the photo");
        var elsewhere = Image("copy.jpg", null, 1, rng, content: "the photo");
        Assert.True(catalog.IsBlocked("lfw-mini", renamed.RelPath, renamed.Sha256, "Ann"));
        Assert.Equal(1, catalog.CommitBatch(run, [renamed]).Blocked);
        Assert.Equal(1, catalog.CommitBatch(otherRun, [elsewhere]).Blocked);
        Assert.Equal(1, catalog.FaceCount());

        // The path stays blocked even for different bytes; other images are unaffected.
        Assert.True(catalog.IsBlocked("lfw-mini", photo.RelPath, Sha("edited"), "Ann"));
        Assert.False(catalog.IsBlocked("lfw-mini", "Ann/Ann_0009.jpg", Sha("edited"), "Ann"));
    }

    [Fact]
    public void Embeddings_stream_in_id_order_and_the_delta_starts_after_a_given_id()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        Fill(catalog, run, 600);
        var seen = new List<long>();
        float firstValue = 0;

        var n = catalog.VisitEmbeddings(Model, 0, (id, e) =>
        {
            Assert.Equal(Dimension, e.Length);
            if (seen.Count == 0)
            {
                firstValue = e[0];
            }

            seen.Add(id);
        });

        Assert.Equal(600, n);
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(catalog.GetFace(seen[0])!.Embedding![0], firstValue);
        Assert.Equal(seen[^1], catalog.MaxFaceId());

        Fill(catalog, run, 10, seed: 2, prefix: "late");
        var delta = new List<long>();
        catalog.VisitEmbeddings(Model, seen[^1], (id, _) => delta.Add(id));
        Assert.Equal(10, delta.Count);
        Assert.All(delta, id => Assert.True(id > seen[^1]));
        Assert.Equal(0, catalog.VisitEmbeddings("no-such-model", 0, (_, _) => { }));
    }

    [Fact]
    public void FilterExisting_keeps_present_ids_in_the_given_order()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        Fill(catalog, run, 8);
        var ids = Ids(catalog);
        catalog.RemoveIdentity("lfw-mini", "Person_000000", null);

        var kept = catalog.FilterExisting([ids[7], ids[0], 999_999, ids[5], ids[1]]);

        Assert.Equal([ids[7], ids[5]], kept);
    }

    [Fact]
    public void Runs_record_settings_and_end_state_and_a_crashed_run_reads_interrupted_on_reopen()
    {
        long crashed;
        using (var catalog = OpenWithDataset(_temp.Library, out var run))
        {
            catalog.FinishRun(run, RunStatus.Completed, """{"ok":1}""", """{"total_s":2.5}""");
            crashed = catalog.StartRun("lfw-mini");
            Assert.Throws<CatalogException>(() => catalog.CommitBatch(run, [Image("a/b.jpg", "a", 1, new Random(1))]));
        }

        using var reopened = FaceCatalog.Open(_temp.Library);
        var runs = reopened.Runs("lfw-mini");
        Assert.Equal(2, runs.Count);
        Assert.Equal(crashed, runs[0].Id);
        Assert.Equal(RunStatus.Interrupted, runs[0].Status);
        Assert.Equal(RunStatus.Completed, runs[1].Status);
        Assert.Equal("""{"ok":1}""", runs[1].CountsJson);
        Assert.Equal("""{"upsample":1}""", runs[1].SettingsJson);
        Assert.NotNull(runs[1].EndedAt);
    }

    [Fact]
    public void Datasets_keep_their_licence_and_provenance_and_meta_values_persist()
    {
        using (var catalog = FaceCatalog.Open(_temp.Library))
        {
            var info = new DatasetInfo("lfw", "no licence stated by the authors", "the authors' page", "Huang et al. 2007",
                "none stated; news photographs", DatasetLayout.IdentityFolders, "test copy");
            catalog.RegisterDataset(info, _temp.Sub("lfw"));
            catalog.SetMeta("index.last_face_id", "42");
            Assert.Throws<CatalogException>(() => catalog.StartRun("nope"));
        }

        using var reopened = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true));
        var stored = reopened.GetDataset("lfw")!;
        Assert.Equal("no licence stated by the authors", stored.Info.Licence);
        Assert.Equal("none stated; news photographs", stored.Info.ConsentBasis);
        Assert.Equal(DatasetLayout.IdentityFolders, stored.Info.Layout);
        Assert.Equal(Path.Combine(_temp.Root, "lfw"), stored.RootPath);
        Assert.Equal("42", reopened.GetMeta("index.last_face_id"));
        Assert.Equal(CatalogSchema.CurrentVersion, reopened.SchemaVersion);
    }

    private static List<long> Ids(FaceCatalog catalog)
    {
        var ids = new List<long>();
        catalog.VisitEmbeddings(Model, 0, (id, _) => ids.Add(id));
        return ids;
    }
}
