using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;
using FaceIndex.Search;
using Microsoft.Extensions.Logging;

namespace FaceIndex.Catalog;

/// <summary>
/// Opens the catalog a <c>--library</c> value names: a folder is a SQLite library, a <c>postgresql://</c> URL or keyword
/// connection string a PostgreSQL one. The one place a command's backend is decided.
/// </summary>
public static class CatalogFactory
{
    /// <summary>How long a reading command rides out a PostgreSQL server that is away (a worker rides out 10 minutes).</summary>
    public static readonly TimeSpan ReaderMaxOutage = TimeSpan.FromSeconds(30);

    /// <summary>True when <paramref name="library"/> names a PostgreSQL library.</summary>
    public static bool IsPostgres(string? library) => PgLibrary.IsPostgres(library);

    /// <summary>
    /// Opens an existing library for reading: a SQLite folder read-only (no lock, so it answers beside an indexer;
    /// upgraded once when an older FaceIndex wrote it), or a PostgreSQL library.
    /// </summary>
    public static ICatalogReader OpenReader(string library, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(library);
        return IsPostgres(library)
            ? PgCatalog.Open(PgLibrary.Parse(library), new PgCatalogOptions(MaxOutage: ReaderMaxOutage), logger)
            : FaceLibrary.OpenCatalog(library, readOnly: true);
    }

    /// <summary>
    /// The dataset <paramref name="name"/> as <paramref name="library"/> holds it, or null when the library or the
    /// dataset does not exist yet (a new SQLite folder is not created by asking).
    /// </summary>
    public static DatasetInfo? RegisteredDataset(string library, string name, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(library);
        if (!IsPostgres(library) && !File.Exists(Path.Combine(library, FaceCatalog.FileName)))
        {
            return null;
        }

        using var catalog = OpenReader(library, logger);
        return catalog.GetDataset(name)?.Info;
    }

    /// <summary>Opens a library for writing (a SQLite folder is created when missing, and takes the writer's lock).</summary>
    public static IFaceCatalog Open(string library, ILogger? logger = null)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(library);
        return IsPostgres(library)
            ? PgCatalog.Open(PgLibrary.Parse(library), null, logger)
            : FaceCatalog.Open(library);
    }
}
