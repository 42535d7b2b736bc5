using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// Keeps an index folder's copy of a PostgreSQL library up to date while a long-lived reader (<c>serve</c>) uses it:
/// every <c>interval</c> it copies the faces added and deletes the faces removed since the last sync, as
/// <c>query --index</c> does once per call. Readers of the folder notice each sync by SQLite's data_version and search
/// the new faces exactly. A failed sync (the server away) is logged and tried again at the next tick.
/// </summary>
public sealed class PgMirrorFollower : IDisposable
{
    private readonly PgCatalog _library;
    private readonly string _folder;
    private readonly ILogger _logger;
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _loop;

    private PgMirrorFollower(PgCatalog library, string folder, TimeSpan interval, ILogger logger)
    {
        _library = library;
        _folder = folder;
        _logger = logger;
        _loop = Task.Run(() => Loop(interval), CancellationToken.None);
    }

    /// <summary>The library followed, as shown in messages (no password).</summary>
    public string Library => _library.Library.Display;

    /// <summary>What the last sync did, or null before the first one ends.</summary>
    public PgMirror.SyncSummary? Last { get; private set; }

    /// <summary>Syncs <paramref name="folder"/> now (failing when it cannot), then every <paramref name="interval"/>; takes ownership of <paramref name="library"/>.</summary>
    public static PgMirrorFollower Start(PgCatalog library, string folder, TimeSpan interval, ILogger? logger = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentOutOfRangeException.ThrowIfLessThan(interval, TimeSpan.FromSeconds(1));
        var full = Path.GetFullPath(folder);
        SyncOnce(library, full, cancellationToken);
        return new PgMirrorFollower(library, full, interval, logger ?? NullLogger.Instance);
    }

    /// <summary>One sync of an existing index folder, waiting for a reader's short writes to end.</summary>
    public static PgMirror.SyncSummary SyncOnce(PgCatalog library, string folder, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        if (!File.Exists(Path.Combine(folder, FaceCatalog.FileName)))
        {
            throw new FaceIndexException($"{folder} is not an index folder: build one with 'faceindex index build --library {library.Library.Display} --out {folder}'");
        }

        using var mirror = FaceCatalog.Open(folder, new CatalogOpenOptions(LockWait: TimeSpan.FromSeconds(30), Create: false));
        return PgMirror.Sync(library, mirror, cancellationToken);
    }

    public void Dispose()
    {
        _stop.Cancel();
        try
        {
            _loop.Wait(TimeSpan.FromSeconds(30));
        }
        catch (AggregateException)
        {
            // The loop logs its own failures; a cancelled sync is the expected end.
        }

        _stop.Dispose();
        _library.Dispose();
    }

    private void Loop(TimeSpan interval)
    {
        while (!_stop.Token.WaitHandle.WaitOne(interval))
        {
            try
            {
                Last = SyncOnce(_library, _folder, _stop.Token);
                if (Last.FacesCopied > 0 || Last.FacesDeleted > 0)
                {
                    _logger.LogInformation("index folder {Folder}: {Copied} faces copied, {Deleted} removed ones deleted", _folder, Last.FacesCopied, Last.FacesDeleted);
                }
            }
            catch (OperationCanceledException)
            {
                return;
            }
            catch (Exception ex) when (ex is FaceIndexException or IOException)
            {
                _logger.LogWarning("index folder {Folder}: sync with {Library} failed ({Error}); trying again in {Seconds:F0} s", _folder, _library.Library.Display, ex.Message, interval.TotalSeconds);
            }
        }
    }
}
