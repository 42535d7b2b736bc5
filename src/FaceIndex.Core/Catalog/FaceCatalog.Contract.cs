namespace FaceIndex.Catalog;

/// <summary>The SQLite catalog as one of the two implementations of the catalog's contract.</summary>
public sealed partial class FaceCatalog : IFaceCatalog
{
    /// <inheritdoc/>
    string ICatalogReader.Location => Library;
}
