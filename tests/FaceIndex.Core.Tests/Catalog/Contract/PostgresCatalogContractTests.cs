using FaceIndex.Catalog;

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
}
