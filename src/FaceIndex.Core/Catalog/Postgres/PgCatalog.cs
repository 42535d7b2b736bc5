using System.Diagnostics;
using System.Globalization;
using FaceIndex.Datasets;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Abstractions;
using Npgsql;
using NpgsqlTypes;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// A library's catalog in PostgreSQL, shared by indexing workers on many machines. Images are registered once
/// (pending), claimed in batches with <c>FOR UPDATE SKIP LOCKED</c> and a lease, and committed with their faces in
/// one transaction that writes only the images the worker still holds. Every operation retries with backoff while
/// the server is unreachable or restarting (up to <see cref="PgCatalogOptions.MaxOutage"/>); since a commit writes
/// only images still pending under this worker's claim, a commit retried after an ambiguous failure never doubles.
/// Thread-safe: each operation takes a pooled connection.
/// </summary>
public sealed partial class PgCatalog : IDisposable
{
    private readonly NpgsqlDataSource _source;
    private readonly PgCatalogOptions _options;
    private readonly ILogger _logger;

    private PgCatalog(PgLibrary library, NpgsqlDataSource source, PgCatalogOptions options, ILogger logger)
    {
        Library = library;
        _source = source;
        _options = options;
        _logger = logger;
    }

    /// <summary>Where the catalog lives.</summary>
    public PgLibrary Library { get; }

    /// <summary>The lease of a claim.</summary>
    public TimeSpan Lease => _options.EffectiveLease;

    /// <summary>Connects (once, failing at once with a clear message when the server cannot be reached or refuses
    /// the login), creates or migrates the schema, and returns the catalog.</summary>
    public static PgCatalog Open(PgLibrary library, PgCatalogOptions? options = null, ILogger? logger = null)
    {
        ArgumentNullException.ThrowIfNull(library);
        options ??= new PgCatalogOptions();
        logger ??= NullLogger.Instance;
        var source = NpgsqlDataSource.Create(library.ConnectionString);
        try
        {
            // A server that is restarting as a worker starts is waited for a little; a wrong host or port is
            // reported after that short wait, a refused login at once.
            var patience = TimeSpan.FromTicks(Math.Min(options.EffectiveMaxOutage.Ticks, OpenPatience.Ticks));
            var clock = Stopwatch.StartNew();
            var delay = TimeSpan.FromMilliseconds(250);
            while (true)
            {
                try
                {
                    using var connection = source.OpenConnection();
                    PgSchema.Migrate(connection, library.Display);
                    break;
                }
                catch (Exception ex) when (PgRetry.IsTransient(ex) && clock.Elapsed + delay < patience)
                {
                    logger.LogWarning("PostgreSQL at {Host}:{Port} is not answering ({Error}); retrying in {Delay:F1} s", library.Host, library.Port, ex.Message, delay.TotalSeconds);
                    NpgsqlConnection.ClearAllPools();
                    Thread.Sleep(delay);
                    delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 4000));
                }
            }

            return new PgCatalog(library, source, options, logger);
        }
        catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException or System.Net.Sockets.SocketException)
        {
            source.Dispose();
            throw PgRetry.Explain(ex, library, "open the library");
        }
        catch
        {
            source.Dispose();
            throw;
        }
    }

    /// <summary>The schema version of the catalog.</summary>
    public int SchemaVersion => Run("read the schema version", c => Convert.ToInt32(Scalar(c, null, "SELECT max(version) FROM schema_version"), CultureInfo.InvariantCulture));

    /// <summary>
    /// Records the dataset and registers its images as pending, once: idempotent and safe when several workers do it
    /// at the same time (they serialise on the dataset's row). A worker whose folder does not match the dataset the
    /// catalog knows (another file count or other sampled files) is refused, so a wrong path cannot claim images.
    /// </summary>
    /// <returns>The dataset's id.</returns>
    public long RegisterDataset(DatasetInfo info, string root, DatasetFingerprint fingerprint, IReadOnlyList<DatasetImage> images, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(info);
        ArgumentNullException.ThrowIfNull(fingerprint);
        ArgumentNullException.ThrowIfNull(images);
        if (string.IsNullOrWhiteSpace(info.Licence))
        {
            throw new FaceIndexException($"the dataset \"{info.Name}\" states no licence: pass --licence (or --licence {DatasetInfo.UnknownLicence}) or add \"licence\" to its {DatasetInfo.FileName}.");
        }

        return Transaction("register the dataset " + info.Name, (c, tx) =>
        {
            using (var insert = new NpgsqlCommand(
                """
                INSERT INTO datasets (name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes)
                VALUES (@name, @root, @licence, @source, @citation, @consent, @layout, fi_now_ms(), @notes)
                ON CONFLICT (name) DO UPDATE SET licence = excluded.licence, source_url = excluded.source_url, citation = excluded.citation,
                  consent_basis = excluded.consent_basis, notes = excluded.notes
                """,
                c,
                tx))
            {
                insert.Parameters.AddWithValue("name", info.Name);
                insert.Parameters.AddWithValue("root", Path.GetFullPath(root));
                insert.Parameters.AddWithValue("licence", info.Licence);
                insert.Parameters.AddWithValue("source", (object?)info.SourceUrl ?? DBNull.Value);
                insert.Parameters.AddWithValue("citation", (object?)info.Citation ?? DBNull.Value);
                insert.Parameters.AddWithValue("consent", (object?)info.ConsentBasis ?? DBNull.Value);
                insert.Parameters.AddWithValue("layout", DatasetInfo.LayoutName(info.Layout));
                insert.Parameters.AddWithValue("notes", (object?)info.Notes ?? DBNull.Value);
                insert.ExecuteNonQuery();
            }

            // The row lock serialises registering workers: the first registers, the others find it done.
            long id;
            int? count;
            string? stored;
            using (var read = new NpgsqlCommand("SELECT id, image_count, fingerprint FROM datasets WHERE name = @name FOR UPDATE", c, tx))
            {
                read.Parameters.AddWithValue("name", info.Name);
                using var r = read.ExecuteReader();
                r.Read();
                id = r.GetInt64(0);
                count = r.IsDBNull(1) ? null : r.GetInt32(1);
                stored = r.IsDBNull(2) ? null : r.GetString(2);
            }

            if (stored is not null)
            {
                if (!string.Equals(stored, fingerprint.Text, StringComparison.Ordinal))
                {
                    throw new CatalogException(
                        $"the folder {root} does not hold the dataset \"{info.Name}\" that {Library.Display} knows: {fingerprint.Describe(stored)}. " +
                        "Check the path on this machine (it must show the same files as the first worker's), then start the worker again; nothing was claimed.");
                }

                return id;
            }

            cancellationToken.ThrowIfCancellationRequested();
            const int Chunk = 20_000;
            for (var at = 0; at < images.Count; at += Chunk)
            {
                var part = images.Skip(at).Take(Chunk).ToList();
                using var add = new NpgsqlCommand(
                    """
                    INSERT INTO images (dataset_id, rel_path, identity, status)
                    SELECT @d, p, i, 'pending' FROM unnest(@paths, @identities) AS u(p, i)
                    ON CONFLICT (dataset_id, rel_path) DO NOTHING
                    """,
                    c,
                    tx);
                add.Parameters.AddWithValue("d", id);
                add.Parameters.AddWithValue("paths", part.Select(i => i.RelPath).ToArray());
                add.Parameters.Add(new NpgsqlParameter("identities", NpgsqlDbType.Array | NpgsqlDbType.Text) { Value = part.Select(i => (object?)i.Identity ?? DBNull.Value).ToArray() });
                add.ExecuteNonQuery();
            }

            using (var mark = new NpgsqlCommand("UPDATE datasets SET image_count = @n, fingerprint = @f WHERE id = @d", c, tx))
            {
                mark.Parameters.AddWithValue("n", images.Count);
                mark.Parameters.AddWithValue("f", fingerprint.Text);
                mark.Parameters.AddWithValue("d", id);
                mark.ExecuteNonQuery();
            }

            _logger.LogInformation("registered {Count} images of {Dataset} ({Before})", images.Count, info.Name, count);
            return id;
        },
        cancellationToken);
    }

    /// <summary>Makes a dataset's failed images pending again (for --retry-failed).</summary>
    public int ResetFailed(long datasetId) => Run("reset failed images", c =>
    {
        using var cmd = new NpgsqlCommand("UPDATE images SET status = 'pending', claimed_by = NULL, lease_until = NULL WHERE dataset_id = @d AND status = 'failed'", c);
        cmd.Parameters.AddWithValue("d", datasetId);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>Starts a worker's run, recording its host and process id; marks runs silent for 10 leases interrupted.</summary>
    public long StartRun(long datasetId, string? settingsJson, string? versionsJson) => Transaction("start a run", (c, tx) =>
    {
        using (var stale = new NpgsqlCommand("UPDATE runs SET status = 'interrupted', ended_at = heartbeat_at WHERE status = 'running' AND heartbeat_at < fi_now_ms() - @silent", c, tx))
        {
            stale.Parameters.AddWithValue("silent", (long)Lease.TotalMilliseconds * 10);
            stale.ExecuteNonQuery();
        }

        using var cmd = new NpgsqlCommand(
            """
            INSERT INTO runs (dataset_id, started_at, status, settings, versions, host, pid, heartbeat_at)
            VALUES (@d, fi_now_ms(), 'running', @s, @v, @host, @pid, fi_now_ms()) RETURNING id
            """,
            c,
            tx);
        cmd.Parameters.AddWithValue("d", datasetId);
        cmd.Parameters.AddWithValue("s", (object?)settingsJson ?? DBNull.Value);
        cmd.Parameters.AddWithValue("v", (object?)versionsJson ?? DBNull.Value);
        cmd.Parameters.AddWithValue("host", Environment.MachineName);
        cmd.Parameters.AddWithValue("pid", Environment.ProcessId);
        return (long)cmd.ExecuteScalar()!;
    });

    /// <summary>Renews the leases of the run's claimed images and records its heartbeat (images before the run row, the
    /// order a commit locks them in, so the two never deadlock).</summary>
    public int Heartbeat(long runId) => Run("renew leases", c =>
    {
        using var cmd = new NpgsqlCommand(
            """
            UPDATE images SET lease_until = fi_now_ms() + @lease WHERE claimed_by = @run AND status = 'pending';
            UPDATE runs SET heartbeat_at = fi_now_ms() WHERE id = @run;
            """,
            c);
        cmd.Parameters.AddWithValue("run", runId);
        cmd.Parameters.AddWithValue("lease", (long)Lease.TotalMilliseconds);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>Claims up to <paramref name="count"/> pending images that no live lease holds (never waiting on rows
    /// another worker is claiming).</summary>
    public IReadOnlyList<ClaimedImage> Claim(long datasetId, long runId, int count, CancellationToken cancellationToken = default) => Run(
        "claim images",
        c =>
        {
            using var cmd = new NpgsqlCommand(
                """
                WITH c AS (
                  SELECT id FROM images
                  WHERE dataset_id = @d AND status = 'pending' AND (lease_until IS NULL OR lease_until < fi_now_ms())
                  ORDER BY id LIMIT @n FOR UPDATE SKIP LOCKED)
                UPDATE images i SET claimed_by = @run, lease_until = fi_now_ms() + @lease
                FROM c WHERE i.id = c.id
                RETURNING i.id, i.rel_path, i.identity
                """,
                c);
            cmd.Parameters.AddWithValue("d", datasetId);
            cmd.Parameters.AddWithValue("n", count);
            cmd.Parameters.AddWithValue("run", runId);
            cmd.Parameters.AddWithValue("lease", (long)Lease.TotalMilliseconds);
            using var r = cmd.ExecuteReader();
            var list = new List<ClaimedImage>();
            while (r.Read())
            {
                list.Add(new ClaimedImage(r.GetInt64(0), r.GetString(1), r.IsDBNull(2) ? null : r.GetString(2)));
            }

            return (IReadOnlyList<ClaimedImage>)[.. list.OrderBy(i => i.Id)];
        },
        cancellationToken);

    /// <summary>Images of the dataset not yet final (pending, claimed or not).</summary>
    public long Outstanding(long datasetId, CancellationToken cancellationToken = default) => Run(
        "count outstanding images",
        c =>
        {
            using var cmd = new NpgsqlCommand("SELECT count(*) FROM images WHERE dataset_id = @d AND status = 'pending'", c);
            cmd.Parameters.AddWithValue("d", datasetId);
            return (long)cmd.ExecuteScalar()!;
        },
        cancellationToken);

    /// <summary>Ends a run with its status, counts and timings (JSON the caller chooses), releasing its claims.</summary>
    public void FinishRun(long runId, RunStatus status, string? countsJson = null, string? timingsJson = null) => Run("finish a run", c =>
    {
        // A run that stops early hands its claims back at once instead of letting them wait out their lease.
        using var cmd = new NpgsqlCommand(
            """
            UPDATE images SET claimed_by = NULL, lease_until = NULL WHERE claimed_by = @id AND status = 'pending';
            UPDATE runs SET status = @st, ended_at = fi_now_ms(), heartbeat_at = fi_now_ms(), counts = @c, timings = @t WHERE id = @id;
            """,
            c);
        cmd.Parameters.AddWithValue("st", FaceCatalog.RunStatusName(status));
        cmd.Parameters.AddWithValue("c", (object?)countsJson ?? DBNull.Value);
        cmd.Parameters.AddWithValue("t", (object?)timingsJson ?? DBNull.Value);
        cmd.Parameters.AddWithValue("id", runId);
        return cmd.ExecuteNonQuery();
    });

    /// <summary>Takes the library's index-builder lock (a session advisory lock, released when the returned handle is
    /// disposed or the process dies); null when another builder holds it.</summary>
    public IDisposable? TryBuilderLock()
    {
        var connection = Run("open a connection", c => c, keepOpen: true, CancellationToken.None);
        try
        {
            using var cmd = new NpgsqlCommand("SELECT pg_try_advisory_lock(@k)", connection);
            cmd.Parameters.AddWithValue("k", BuilderLockKey);
            if ((bool)cmd.ExecuteScalar()!)
            {
                return connection;
            }
        }
        catch (Exception ex) when (ex is NpgsqlException)
        {
            connection.Dispose();
            throw PgRetry.Explain(ex, Library, "take the index builder's lock");
        }

        connection.Dispose();
        return null;
    }

    private const long BuilderLockKey = 0x46496478_00000002;

    /// <summary>How long opening waits for a server that does not answer.</summary>
    private static readonly TimeSpan OpenPatience = TimeSpan.FromSeconds(20);

    public void Dispose() => _source.Dispose();

    /// <summary>Runs <paramref name="op"/> on a pooled connection, retrying transient failures with backoff.</summary>
    internal T Run<T>(string doing, Func<NpgsqlConnection, T> op, bool keepOpen, CancellationToken cancellationToken)
    {
        var clock = Stopwatch.StartNew();
        var delay = TimeSpan.FromMilliseconds(250);
        for (var attempt = 1; ; attempt++)
        {
            NpgsqlConnection? connection = null;
            try
            {
                connection = _source.OpenConnection();
                var result = op(connection);
                if (!keepOpen)
                {
                    connection.Dispose();
                }

                return result;
            }
            catch (Exception ex) when (PgRetry.IsTransient(ex) && clock.Elapsed < _options.EffectiveMaxOutage)
            {
                connection?.Dispose();

                // Pooled connections died with the server: drop them all so the next attempt dials afresh.
                NpgsqlConnection.ClearAllPools();
                _logger.LogWarning("PostgreSQL at {Host}:{Port}: could not {Doing} (attempt {Attempt}: {Error}); retrying in {Delay:F1} s", Library.Host, Library.Port, doing, attempt, ex.Message, delay.TotalSeconds);
                if (cancellationToken.WaitHandle.WaitOne(delay))
                {
                    cancellationToken.ThrowIfCancellationRequested();
                }

                delay = TimeSpan.FromMilliseconds(Math.Min(delay.TotalMilliseconds * 2, 5000));
            }
            catch (Exception ex) when (ex is NpgsqlException or IOException or TimeoutException)
            {
                connection?.Dispose();
                throw PgRetry.Explain(ex, Library, doing);
            }
            catch
            {
                connection?.Dispose();
                throw;
            }
        }
    }

    /// <summary>Runs <paramref name="op"/> on a pooled connection, retrying transient failures with backoff.</summary>
    internal T Run<T>(string doing, Func<NpgsqlConnection, T> op, CancellationToken cancellationToken = default) => Run(doing, op, keepOpen: false, cancellationToken);

    /// <summary>Runs <paramref name="op"/> in one transaction, committed when it returns; retried as a whole.</summary>
    internal T Transaction<T>(string doing, Func<NpgsqlConnection, NpgsqlTransaction, T> op, CancellationToken cancellationToken = default) =>
        Run(
            doing,
            c =>
            {
                using var tx = c.BeginTransaction();
                var result = op(c, tx);
                tx.Commit();
                return result;
            },
            cancellationToken);

    internal static object? Scalar(NpgsqlConnection c, NpgsqlTransaction? tx, string sql)
    {
        using var cmd = new NpgsqlCommand(sql, c, tx);
        return cmd.ExecuteScalar();
    }

    private static (int Id, int Dimension) ModelKey(NpgsqlConnection c, NpgsqlTransaction tx, string name, int dimension)
    {
        using var cmd = new NpgsqlCommand(
            """
            INSERT INTO models (name, dimension) VALUES (@n, @dim) ON CONFLICT (name) DO NOTHING;
            SELECT id, dimension FROM models WHERE name = @n;
            """,
            c,
            tx);
        cmd.Parameters.AddWithValue("n", name);
        cmd.Parameters.AddWithValue("dim", dimension);
        using var r = cmd.ExecuteReader();
        r.Read();
        return (r.GetInt32(0), r.GetInt32(1));
    }
}
