namespace FaceIndex.Catalog;

/// <summary>A read-only open found a catalog written by an older FaceIndex, which only a writer can upgrade.</summary>
public sealed class CatalogUpgradeNeededException : CatalogException
{
    public CatalogUpgradeNeededException()
    {
    }

    public CatalogUpgradeNeededException(string message)
        : base(message)
    {
    }

    public CatalogUpgradeNeededException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
