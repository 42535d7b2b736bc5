using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

/// <summary>How to open a library's catalog.</summary>
/// <param name="ReadOnly">Open for queries only: takes no writer lock, so it works beside a running indexer.</param>
/// <param name="LockWait">How long a writer waits for another writer's lock before refusing (zero: refuse at once).</param>
/// <param name="Create">Create the library folder and catalog when missing (writers only).</param>
public sealed record CatalogOpenOptions(bool ReadOnly = false, TimeSpan LockWait = default, bool Create = true);

/// <summary>
/// The SQLite catalog of a library folder (library/catalog.db): datasets, images, faces with landmarks and
/// embeddings, runs and removal requests. One writer process per library (library/.lock); any number of
/// read-only openers. An instance is not thread-safe: open one per thread.
/// </summary>
/// <remarks>
/// Durability: WAL with synchronous=NORMAL. Every batch is one transaction, and WAL makes each commit atomic:
/// after a kill -9 the catalog holds exactly the batches whose commit returned (their WAL frames are in the
/// OS's page cache, which a process crash does not lose). Only an OS crash or power loss can drop the last
/// few commits; the database stays consistent and those images are simply re-processed by the next run,
/// since a rerun skips by (path, size, SHA-256) and a commit replaces an image's faces. Face ids are never
/// reused, so an index built from the catalog is made safe against that case by calling
/// <see cref="Checkpoint"/> (which syncs) before the index file is written.
/// </remarks>
public sealed partial class FaceCatalog : IDisposable
{
    /// <summary>The catalog's file name inside a library folder.</summary>
    public const string FileName = "catalog.db";

    private readonly SqliteConnection _connection;
    private readonly LibraryLock? _lock;
    private readonly string? _readOnlyReason;
    private bool _disposed;

    private FaceCatalog(string library, string dbPath, SqliteConnection connection, LibraryLock? libraryLock, string? readOnlyReason)
    {
        Library = library;
        DatabasePath = dbPath;
        _connection = connection;
        _lock = libraryLock;
        _readOnlyReason = readOnlyReason;
    }

    /// <summary>The library folder.</summary>
    public string Library { get; }

    /// <summary>The catalog file.</summary>
    public string DatabasePath { get; }

    /// <summary>True when writes are refused (opened read-only, or the file or folder is not writable).</summary>
    public bool IsReadOnly => _readOnlyReason is not null;

    /// <summary>The schema version of the open catalog.</summary>
    public int SchemaVersion => CatalogSchema.ReadVersion(_connection);

    /// <summary>Opens (or creates) the catalog of <paramref name="library"/>.</summary>
    public static FaceCatalog Open(string library, CatalogOpenOptions? options = null)
    {
        options ??= new CatalogOpenOptions();
        if (Postgres.PgLibrary.IsPostgres(library))
        {
            throw new CatalogException("this command needs a SQLite library folder for now; a PostgreSQL library works with index, status, datasets, info, remove, merge --into, calibrate, eval identify, index build, and query or serve with --index DIR (an index folder made by 'index build' is a SQLite library for the others)");
        }

        var full = Path.GetFullPath(library);
        var dbPath = Path.Combine(full, FileName);
        if (options.ReadOnly)
        {
            return OpenReadOnly(full, dbPath, "it was opened read-only");
        }

        if (!Directory.Exists(full))
        {
            if (!options.Create)
            {
                throw new CatalogException($"the library folder {full} does not exist: check the path, or index a dataset into it first.");
            }

            try
            {
                Directory.CreateDirectory(full);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                throw new CatalogException($"cannot create the library folder {full} ({ex.Message}): choose a writable location.", ex);
            }
        }

        LibraryLock theLock;
        try
        {
            theLock = LibraryLock.Acquire(full, options.LockWait);
        }
        catch (Exception ex) when (ex is UnauthorizedAccessException or IOException)
        {
            // Not writable (permissions, read-only mount): queries still work.
            if (File.Exists(dbPath))
            {
                return OpenReadOnly(full, dbPath, $"the library folder is not writable ({ex.Message})");
            }

            throw new CatalogException($"the library folder {full} is not writable ({ex.Message}) and holds no catalog yet: choose a writable location.", ex);
        }

        try
        {
            if (!options.Create && !File.Exists(dbPath))
            {
                throw new CatalogException($"the library {full} has no catalog ({FileName}): index a dataset into it first.");
            }

            var connection = Connect(dbPath, SqliteOpenMode.ReadWriteCreate, uri: null);
            try
            {
                if (SQLitePCL.raw.sqlite3_db_readonly(connection.Handle, "main") == 1)
                {
                    connection.Dispose();
                    theLock.Dispose();
                    return OpenReadOnly(full, dbPath, "the catalog file is not writable");
                }

                var isNew = CatalogSchema.ReadVersion(connection) == 0 && TableCount(connection) == 0;
                if (isNew)
                {
                    // Rows of ~0.8 KB waste less of a larger page, and page_size is fixed once tables exist.
                    Execute(connection, "PRAGMA page_size = 16384");
                }

                var mode = Scalar(connection, "PRAGMA journal_mode = WAL") as string;
                if (!string.Equals(mode, "wal", StringComparison.OrdinalIgnoreCase))
                {
                    throw new CatalogException($"the catalog {dbPath} could not switch to WAL journaling (got \"{mode}\"): put the library on a local file system.");
                }

                Execute(connection, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON; PRAGMA busy_timeout = 5000;");
                CatalogSchema.Migrate(connection, dbPath);

                // We hold the writer lock, so a run still marked running belongs to a process that died.
                using var cmd = connection.CreateCommand();
                cmd.CommandText = "UPDATE runs SET status = 'interrupted', ended_at = COALESCE(ended_at, $now) WHERE status = 'running'";
                cmd.Parameters.AddWithValue("$now", NowMs());
                cmd.ExecuteNonQuery();
                return new FaceCatalog(full, dbPath, connection, theLock, null);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        catch (SqliteException ex)
        {
            theLock.Dispose();
            throw Translate(ex, dbPath, "open");
        }
        catch
        {
            theLock.Dispose();
            throw;
        }
    }

    private static FaceCatalog OpenReadOnly(string full, string dbPath, string reason)
    {
        if (!File.Exists(dbPath))
        {
            throw new CatalogException($"the library {full} has no catalog ({dbPath} does not exist): check the path, or index a dataset into it first.");
        }

        SqliteConnection connection;
        try
        {
            connection = Connect(dbPath, SqliteOpenMode.ReadOnly, uri: null);
            try
            {
                _ = CatalogSchema.ReadVersion(connection);
            }
            catch
            {
                connection.Dispose();
                throw;
            }
        }
        catch (SqliteException ex) when (!File.Exists(dbPath + "-wal"))
        {
            // A WAL catalog in a folder we cannot write has no -shm to share; with no -wal left behind the
            // file alone is the whole database, so SQLite may treat it as immutable.
            _ = ex;
            try
            {
                connection = Connect(dbPath, SqliteOpenMode.ReadOnly, ImmutableUri(dbPath));
            }
            catch (SqliteException ex2)
            {
                throw Translate(ex2, dbPath, "open read-only");
            }
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, dbPath, "open read-only");
        }

        try
        {
            var version = CatalogSchema.ReadVersion(connection);
            if (version != CatalogSchema.CurrentVersion)
            {
                throw version > CatalogSchema.CurrentVersion
                    ? new CatalogException($"the catalog {dbPath} has schema version {version}, newer than this FaceIndex understands ({CatalogSchema.CurrentVersion}): use a newer FaceIndex.")
                    : new CatalogUpgradeNeededException($"the catalog {dbPath} has schema version {version} and needs upgrading to {CatalogSchema.CurrentVersion}, which a read-only open cannot do: open it once for writing ('faceindex info --rebuild --library {full}', or index into it), from a user who may write the library folder.");
            }

            Execute(connection, "PRAGMA query_only = ON; PRAGMA busy_timeout = 5000;");
            return new FaceCatalog(full, dbPath, connection, null, reason);
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>An SQLite URI that opens <paramref name="dbPath"/> as immutable (no locks, no -shm, no -wal).</summary>
    internal static string ImmutableUri(string dbPath) => new Uri(dbPath).AbsoluteUri + "?immutable=1";

    internal static SqliteConnection Connect(string dbPath, SqliteOpenMode mode, string? uri)
    {
        var builder = new SqliteConnectionStringBuilder
        {
            DataSource = uri ?? dbPath,
            Mode = mode,
            Cache = SqliteCacheMode.Private,

            // Pooling would keep the file open after Dispose, holding the WAL and delaying the checkpoint.
            Pooling = false,
            DefaultTimeout = 30,
        };
        var connection = new SqliteConnection(builder.ToString());
        try
        {
            connection.Open();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs SQLite's integrity and foreign-key checks; an empty result means the catalog is consistent.</summary>
    public CatalogCheck Check()
    {
        ThrowIfDisposed();
        var integrity = new List<string>();
        var foreign = new List<string>();
        try
        {
            using (var cmd = _connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA integrity_check";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    var line = r.GetString(0);
                    if (!string.Equals(line, "ok", StringComparison.Ordinal))
                    {
                        integrity.Add(line);
                    }
                }
            }

            using (var cmd = _connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA foreign_key_check";
                using var r = cmd.ExecuteReader();
                while (r.Read())
                {
                    foreign.Add(string.Create(CultureInfo.InvariantCulture,
                        $"{r.GetString(0)} row {(r.IsDBNull(1) ? "?" : r.GetInt64(1).ToString(CultureInfo.InvariantCulture))} points to a missing {r.GetString(2)} row"));
                }
            }
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, DatabasePath, "check");
        }

        return new CatalogCheck(integrity, foreign);
    }

    /// <summary>Copies the WAL into the database file and syncs it, so everything committed survives a power loss too.</summary>
    public void Checkpoint()
    {
        EnsureWritable("checkpoint");
        try
        {
            Execute(_connection, "PRAGMA wal_checkpoint(TRUNCATE)");
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, DatabasePath, "checkpoint");
        }
    }

    /// <summary>A value of the small key/value table (e.g. index state), or null.</summary>
    public string? GetMeta(string key)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT value FROM meta WHERE key = $k";
        cmd.Parameters.AddWithValue("$k", key);
        return cmd.ExecuteScalar() as string;
    }

    /// <summary>Sets (or, with null, deletes) a value of the key/value table.</summary>
    public void SetMeta(string key, string? value)
    {
        EnsureWritable("set a catalog value");
        Write("set a catalog value", tx =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            if (value is null)
            {
                cmd.CommandText = "DELETE FROM meta WHERE key = $k";
            }
            else
            {
                cmd.CommandText = "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
                cmd.Parameters.AddWithValue("$v", value);
            }

            cmd.Parameters.AddWithValue("$k", key);
            cmd.ExecuteNonQuery();
            return 0;
        });
    }

    public void Dispose()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        _connection.Dispose();
        _lock?.Dispose();
    }

    internal SqliteConnection Connection => _connection;

    /// <summary>Called inside every write transaction just before it commits (tests use it to snapshot a "crash").</summary>
    internal Action? BeforeCommit { get; set; }

    /// <summary>Runs <paramref name="body"/> in one IMMEDIATE transaction; on any failure nothing of it stays.</summary>
    private T Write<T>(string what, Func<SqliteTransaction, T> body)
    {
        EnsureWritable(what);
        EnsureLibraryPresent(what);
        try
        {
            using var tx = _connection.BeginTransaction(deferred: false);
            var result = body(tx);
            BeforeCommit?.Invoke();
            EnsureLibraryPresent(what);
            tx.Commit();
            return result;
        }
        catch (SqliteException ex)
        {
            throw Translate(ex, DatabasePath, what);
        }
    }

    private void EnsureWritable(string what)
    {
        ThrowIfDisposed();
        if (_readOnlyReason is not null)
        {
            throw new CatalogReadOnlyException(
                $"cannot {what}: the catalog {DatabasePath} is read-only because {_readOnlyReason}. Queries work; " +
                "to write, open it without the read-only option, from a user who may write the library folder.");
        }
    }

    private void EnsureLibraryPresent(string what)
    {
        // SQLite keeps writing to an unlinked file without complaint, so check the path is still there.
        if (!File.Exists(DatabasePath))
        {
            throw new CatalogException(
                $"cannot {what}: the catalog file {DatabasePath} is gone (was the library folder {Library} moved or deleted while in use?). " +
                "Nothing more is written; restore the folder or start again with a fresh library.");
        }
    }

    private void ThrowIfDisposed() => ObjectDisposedException.ThrowIf(_disposed, this);

    /// <summary>Turns SQLite's error codes into messages a user can act on.</summary>
    internal static CatalogException Translate(SqliteException ex, string dbPath, string what)
    {
        var primary = ex.SqliteErrorCode & 0xFF;
        var message = primary switch
        {
            13 => $"cannot {what}: the disk holding {dbPath} is full (SQLite: {ex.Message}). The transaction was rolled back, so the catalog is consistent and holds nothing of it; free some space and run again: a rerun resumes where this stopped.",
            10 => $"cannot {what}: an I/O error on {dbPath} (SQLite extended code {ex.SqliteExtendedErrorCode}: {ex.Message}). The transaction was rolled back; check the disk and the file system, then run again.",
            8 => $"cannot {what}: {dbPath} is read-only ({ex.Message}): open it read-only for queries, or fix the permissions to write.",
            5 or 6 => $"cannot {what}: {dbPath} stayed busy (locked by another connection) past the timeout ({ex.Message}); make sure no other program holds a write transaction on it.",
            11 or 26 => $"cannot {what}: {dbPath} is damaged or not a FaceIndex catalog ({ex.Message}); restore it from a backup, or move it aside and index again.",
            14 => $"cannot {what}: {dbPath} cannot be opened ({ex.Message}); check that the library folder exists and is readable.",
            _ => $"cannot {what}: SQLite error on {dbPath}: {ex.Message}",
        };
        return new CatalogException(message, ex);
    }

    private static long NowMs() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private static DateTimeOffset FromMs(long ms) => DateTimeOffset.FromUnixTimeMilliseconds(ms);

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = sql;
        return cmd.ExecuteScalar();
    }

    private static long TableCount(SqliteConnection connection)
        => Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture);
}
