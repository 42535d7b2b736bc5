using FaceIndex.Catalog;
using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;
using FaceIndex.Tests.Catalog;
using Npgsql;

namespace FaceIndex.Tests.Postgres;

/// <summary>The PostgreSQL catalog's worker protocol on a real, throw-away PostgreSQL server.</summary>
[Collection(PostgresTests.Name)]
public sealed class PgCatalogTests
{
    private static readonly DatasetInfo Info = new("people", "CC BY 4.0", Layout: DatasetLayout.IdentityFolders);
    private readonly PostgresCluster _pg;

    public PgCatalogTests(PostgresCluster pg) => _pg = pg;

    [SkippableFact]
    public void Registration_is_idempotent_and_safe_from_several_workers_at_once_and_refuses_another_folder()
    {
        _pg.Require();
        var library = PgLibrary.Parse(_pg.NewLibrary());
        var images = Images(500);
        var print = new DatasetFingerprint(images.Count, "ABC");

        // Eight workers register together, each with its own connection pool.
        var ids = new long[8];
        Parallel.For(0, ids.Length, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            using var catalog = PgCatalog.Open(library);
            ids[i] = catalog.RegisterDataset(Info, "/data/people", print, images);
        });

        using var pg = PgCatalog.Open(library);
        Assert.Single(ids.Distinct());
        Assert.Equal(2, pg.SchemaVersion);
        Assert.Equal(500, pg.Outstanding(ids[0]));
        Assert.Equal(500L, Count(library, "SELECT count(DISTINCT rel_path) FROM images"));

        // Another machine's mount point is fine; another file set is refused before anything is claimed.
        Assert.Equal(ids[0], pg.RegisterDataset(Info, "/mnt/elsewhere/people", print, images));
        var wrong = Assert.Throws<CatalogException>(() => pg.RegisterDataset(Info, "/mnt/wrong", new DatasetFingerprint(499, "ABC"), images.Take(499).ToList()));
        Assert.Contains("this folder has 499 images, the registered dataset 500", wrong.Message, StringComparison.Ordinal);
        var changed = Assert.Throws<CatalogException>(() => pg.RegisterDataset(Info, "/mnt/wrong", new DatasetFingerprint(500, "XYZ"), images));
        Assert.Contains("sampled files differ", changed.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Claims_skip_locked_rows_expire_and_are_reclaimed_and_only_the_holder_commits()
    {
        _pg.Require();
        var library = PgLibrary.Parse(_pg.NewLibrary());
        using var pg = PgCatalog.Open(library, new PgCatalogOptions(Lease: TimeSpan.FromSeconds(1.5)));
        var d = pg.RegisterDataset(Info, "/data", new DatasetFingerprint(10, "A"), Images(10));
        var runA = pg.StartRun(d, null, null);
        var runB = pg.StartRun(d, null, null);

        var a = pg.Claim(d, runA, 4);
        var b = pg.Claim(d, runB, 4);
        Assert.Equal(4, a.Count);
        Assert.Equal(4, b.Count);
        Assert.Empty(a.Select(i => i.Id).Intersect(b.Select(i => i.Id)));

        // A goes silent: its lease expires and B takes its images; B's own stay B's while it renews them.
        Thread.Sleep(1000);
        pg.Heartbeat(runB);
        Thread.Sleep(700);
        var retaken = pg.Claim(d, runB, 10);
        Assert.Equal(6, retaken.Count);
        Assert.All(a, x => Assert.Contains(retaken, r => r.Id == x.Id));
        Assert.DoesNotContain(retaken, r => b.Any(x => x.Id == r.Id));

        // A wakes up and commits: nothing of it is written. B commits everything once.
        var rng = new Random(3);
        var late = pg.CommitClaimed(runA, d, [.. a.Select(i => (i.Id, CatalogTestData.Image(i.RelPath, i.Identity, 1, rng)))]);
        Assert.Equal(new PgCommitSummary(0, 0, 0, 4), late);
        var all = b.Concat(retaken).ToList();
        var written = pg.CommitClaimed(runB, d, [.. all.Select(i => (i.Id, CatalogTestData.Image(i.RelPath, i.Identity, 2, rng)))]);
        Assert.Equal(new PgCommitSummary(all.Count, all.Count * 2, 0, 0), written);

        // A commit retried after an ambiguous failure writes nothing twice.
        var again = pg.CommitClaimed(runB, d, [.. all.Select(i => (i.Id, CatalogTestData.Image(i.RelPath, i.Identity, 2, rng)))]);
        Assert.Equal(all.Count, again.Dropped);
        Assert.Equal(all.Count * 2L, Count(library, "SELECT count(*) FROM faces"));
        Assert.Equal(0L, pg.Outstanding(d));
        var status = pg.Status();
        Assert.Equal(all.Count, status.Datasets.Single().Done);
        Assert.Equal(2, status.Workers.Count);
    }

    [SkippableFact]
    public void A_removal_made_while_a_worker_holds_images_is_honoured_at_its_commit_and_never_claimed_again()
    {
        _pg.Require();
        var library = PgLibrary.Parse(_pg.NewLibrary());
        using var pg = PgCatalog.Open(library);
        var images = Images(12);
        var d = pg.RegisterDataset(Info, "/data", new DatasetFingerprint(12, "A"), images);
        var run = pg.StartRun(d, null, null);
        var claimed = pg.Claim(d, run, 6);
        var rng = new Random(5);

        // person_1 is removed while its first images are in flight (and an image by content, before it is seen).
        var results = claimed.Select(i => (i.Id, CatalogTestData.Image(i.RelPath, i.Identity, 1, rng))).ToList();
        var (faces, removedImages) = pg.Remove("people", RemovalKind.Identity, "person_1", "request 1");
        Assert.Equal(0, faces);
        Assert.Equal(4, removedImages);
        var summary = pg.CommitClaimed(run, d, results);
        var ofPerson1 = claimed.Count(i => i.Identity == "person_1");
        Assert.Equal(ofPerson1, summary.Dropped);
        Assert.Equal(claimed.Count - ofPerson1, summary.Faces);

        // The rest: person_1's pending images are never claimed.
        var rest = pg.Claim(d, run, 100);
        Assert.DoesNotContain(rest, i => i.Identity == "person_1");
        Assert.Equal(0L, Count(library, "SELECT count(*) FROM faces f JOIN images i ON i.id = f.image_id WHERE i.identity = 'person_1'"));

        // A removal after the commit deletes the faces and logs their ids for index folders.
        var (deleted, _) = pg.Remove("people", RemovalKind.Identity, "person_0", null);
        Assert.True(deleted > 0);
        Assert.Equal((long)deleted, Count(library, "SELECT count(*) FROM face_tombstones"));
    }

    [SkippableFact]
    public void A_wrong_password_and_an_unreachable_host_give_messages_naming_the_host_and_never_the_password()
    {
        _pg.Require();
        var url = _pg.NewLibrary();
        var saved = Environment.GetEnvironmentVariable("PGPASSWORD");
        try
        {
            Environment.SetEnvironmentVariable("PGPASSWORD", "not-the-password");
            var refused = Assert.Throws<CatalogException>(() => PgCatalog.Open(PgLibrary.Parse(url)));
            Assert.Contains($"127.0.0.1:{_pg.Port}", refused.Message, StringComparison.Ordinal);
            Assert.Contains("PGPASSWORD", refused.Message, StringComparison.Ordinal);
            Assert.DoesNotContain("not-the-password", refused.ToString(), StringComparison.Ordinal);
        }
        finally
        {
            Environment.SetEnvironmentVariable("PGPASSWORD", saved);
        }

        var unreachable = Assert.Throws<CatalogException>(() => PgCatalog.Open(PgLibrary.Parse("postgresql://faceindex@127.0.0.1:1/nothing"), new PgCatalogOptions(MaxOutage: TimeSpan.FromSeconds(1))));
        Assert.Contains("cannot reach PostgreSQL at 127.0.0.1:1", unreachable.Message, StringComparison.Ordinal);
        var inline = Assert.Throws<FaceIndexException>(() => PgLibrary.Parse("postgresql://faceindex:hunter2@db:5432/lib"));
        Assert.DoesNotContain("hunter2", inline.Message, StringComparison.Ordinal);
        Assert.Equal("postgresql://faceindex@db:5433/lib", PgLibrary.Parse("Host=db;Port=5433;Database=lib;Username=faceindex").Display);
    }

    [SkippableFact]
    public void Operations_ride_out_a_server_restart()
    {
        _pg.Require();
        var library = PgLibrary.Parse(_pg.NewLibrary());
        using var pg = PgCatalog.Open(library, new PgCatalogOptions(MaxOutage: TimeSpan.FromSeconds(60)));
        var d = pg.RegisterDataset(Info, "/data", new DatasetFingerprint(10, "A"), Images(10));
        var run = pg.StartRun(d, null, null);
        var claimed = pg.Claim(d, run, 10);
        _pg.Stop();
        var restart = Task.Run(() =>
        {
            Thread.Sleep(2000);
            _pg.Start();
        });
        var rng = new Random(9);
        var summary = pg.CommitClaimed(run, d, [.. claimed.Select(i => (i.Id, CatalogTestData.Image(i.RelPath, i.Identity, 1, rng)))]);
        restart.Wait();
        Assert.Equal(10, summary.Images);
        Assert.Equal(0L, pg.Outstanding(d));
        Assert.Equal(10L, Count(library, "SELECT count(*) FROM faces"));
    }

    private static List<DatasetImage> Images(int n) =>
        [.. Enumerable.Range(0, n).Select(i => new DatasetImage($"person_{i % 3}/img_{i:D4}.jpg", $"person_{i % 3}"))];

    private static long Count(PgLibrary library, string sql)
    {
        using var c = new NpgsqlConnection(library.ConnectionString);
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }
}
