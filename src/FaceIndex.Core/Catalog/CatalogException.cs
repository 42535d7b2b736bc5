namespace FaceIndex.Catalog;

/// <summary>A catalog could not be opened, read or written; the message names the library and says what to do.</summary>
public class CatalogException : FaceIndexException
{
    public CatalogException()
    {
    }

    public CatalogException(string message)
        : base(message)
    {
    }

    public CatalogException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>Another process holds the library's writer lock.</summary>
public sealed class CatalogLockedException : CatalogException
{
    public CatalogLockedException()
    {
    }

    public CatalogLockedException(string message)
        : base(message)
    {
    }

    public CatalogLockedException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}

/// <summary>A write was asked of a catalog that is open read-only.</summary>
public sealed class CatalogReadOnlyException : CatalogException
{
    public CatalogReadOnlyException()
    {
    }

    public CatalogReadOnlyException(string message)
        : base(message)
    {
    }

    public CatalogReadOnlyException(string message, Exception? innerException)
        : base(message, innerException)
    {
    }
}
