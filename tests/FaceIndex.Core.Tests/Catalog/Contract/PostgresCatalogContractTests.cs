using FaceIndex.Catalog;
using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;

namespace FaceIndex.Tests.Catalog.Contract;

/// <summary>The catalog contract on the PostgreSQL backend (a fresh database on a throw-away cluster per test).</summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresCatalogContractTests(PostgresCluster pg) : CatalogContractTests
{
    protected override IFaceCatalog CreateEmpty()
    {
        pg.Require();
        return CatalogFactory.Open(pg.NewLibrary());
    }

    [SkippableFact]
    public void Images_a_worker_registered_but_nobody_committed_are_in_no_read_until_a_commit_or_a_removal()
    {
        pg.Require();
        using var catalog = PgCatalog.Open(PgLibrary.Parse(pg.NewLibrary()));
        var input = RealFaces.Images;
        var registered = input.Select(i => new DatasetImage(i.RelPath, i.Identity)).ToList();
        var d = catalog.RegisterDataset(RealFaces.Info(), "/data/sample", new DatasetFingerprint(registered.Count, "A"), registered);
#pragma warning disable CA1859 // The point is to read and write through the contract, as commands do.
        IFaceCatalog contract = catalog;
#pragma warning restore CA1859

        Assert.Empty(contract.CountByStatus());
        Assert.Null(contract.GetImage(RealFaces.Dataset, input[0].RelPath));
        Assert.Equal(0, contract.LoadDone(RealFaces.Dataset).Count);
        Assert.Empty(contract.Identities(RealFaces.Dataset));
        Assert.Equal(input.Count, catalog.Outstanding(d));

        // Removing an identity before any commit: its images are removed at once, with the time and reason SQLite gives.
        var removal = contract.RemoveIdentity(RealFaces.Dataset, "obama", null);
        var obama = input.Count(i => i.Identity == "obama");
        Assert.Equal((0, obama), (removal.FacesRemoved, removal.ImagesRemoved));
        var removed = contract.GetImage(RealFaces.Dataset, "obama/obama.jpg")!;
        Assert.Equal((ImageStatus.Removed, "removal_requested"), (removed.Status, removed.ErrorReason));
        Assert.InRange(removed.IndexedAt, removal.RequestedAt.AddSeconds(-5), DateTimeOffset.UtcNow.AddSeconds(5));

        // A commit through the contract takes the image whoever claimed it; the claimant then writes nothing for it.
        var worker = catalog.StartRun(d, null, null);
        var claimed = catalog.Claim(d, worker, 100);
        Assert.Equal(input.Count - obama, claimed.Count);
        var run = contract.StartRun(RealFaces.Dataset);
        Assert.Equal(obama, contract.CommitBatch(run, input).Blocked);
        Assert.Equal(claimed.Count, catalog.CommitClaimed(worker, d, [.. claimed.Select(c => (c.Id, input.Single(i => i.RelPath == c.RelPath)))]).Dropped);
        Assert.Equal(input.Where(i => i.Identity != "obama").Sum(i => i.Faces.Count), contract.FaceCount());
        Assert.Equal(0, catalog.Outstanding(d));
        Assert.Equal(input.Count, contract.CountByStatus().Values.Sum());
    }
}
