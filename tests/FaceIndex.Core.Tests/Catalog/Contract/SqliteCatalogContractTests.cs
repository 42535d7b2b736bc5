using FaceIndex.Catalog;

namespace FaceIndex.Tests.Catalog.Contract;

/// <summary>The catalog contract on the SQLite backend (a library folder).</summary>
public sealed class SqliteCatalogContractTests : CatalogContractTests
{
    private readonly TempLibrary _temp = new();

    protected override IFaceCatalog CreateEmpty() => CatalogFactory.Open(_temp.Library);

    protected override void DisposeBackend() => _temp.Dispose();
}
