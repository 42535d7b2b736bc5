using System.Diagnostics;
using System.Runtime.Versioning;
using FaceIndex.Catalog;
using Microsoft.Data.Sqlite;
using static FaceIndex.Tests.Catalog.CatalogTestData;

namespace FaceIndex.Tests.Catalog;

public sealed class CatalogFaultTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_second_writer_is_refused_with_a_message_naming_the_library_and_the_holder()
    {
        using var first = FaceCatalog.Open(_temp.Library);

        var ex = Assert.Throws<CatalogLockedException>(() => FaceCatalog.Open(_temp.Library));

        Assert.Contains(_temp.Library, ex.Message, StringComparison.Ordinal);
        Assert.Contains("another FaceIndex process", ex.Message, StringComparison.Ordinal);
        Assert.Contains($"pid {Environment.ProcessId}", ex.Message, StringComparison.Ordinal);

        // Readers need no lock and work beside the writer.
        using var reader = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true));
        Assert.Equal(0, reader.FaceCount());
    }

    [Fact]
    public async Task A_writer_asked_to_wait_gets_the_lock_once_the_first_one_closes()
    {
        var first = FaceCatalog.Open(_temp.Library);
        var second = Task.Run(() => FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(LockWait: TimeSpan.FromSeconds(60))));
        await Task.Delay(300);
        Assert.False(second.IsCompleted);

        first.Dispose();

        using var opened = await second.WaitAsync(TimeSpan.FromSeconds(60));
        Assert.False(opened.IsReadOnly);
    }

    [SkippableFact]
    public void The_lock_of_a_writer_killed_with_sigkill_is_released_by_the_kernel()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/flock"), "needs Linux and flock(1) to hold the lock from another process");
        using (FaceCatalog.Open(_temp.Library))
        {
        }

        // flock(1) takes the same advisory flock(LOCK_EX) that .NET takes for FileShare.None.
        using var holder = Process.Start(new ProcessStartInfo("/usr/bin/flock", ["-x", Path.Combine(_temp.Library, ".lock"), "sleep", "120"]))!;
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!IsLocked() && DateTime.UtcNow < deadline)
        {
            Thread.Sleep(50);
        }

        Assert.Throws<CatalogLockedException>(() => FaceCatalog.Open(_temp.Library));

        holder.Kill(entireProcessTree: true);
        holder.WaitForExit();

        using var catalog = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(LockWait: TimeSpan.FromSeconds(10)));
        Assert.False(catalog.IsReadOnly);

        bool IsLocked()
        {
            try
            {
                using (FaceCatalog.Open(_temp.Library))
                {
                    return false;
                }
            }
            catch (CatalogLockedException)
            {
                return true;
            }
        }
    }

    [Fact]
    public void A_read_only_open_answers_queries_and_refuses_writes_clearly()
    {
        using (var writer = OpenWithDataset(_temp.Library, out var run))
        {
            Fill(writer, run, 5);
        }

        using var catalog = FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true));

        Assert.True(catalog.IsReadOnly);
        Assert.Equal(5, catalog.FaceCount());
        Assert.NotNull(catalog.GetImage("lfw-mini", "Person_000000/img_0000000.jpg"));
        var ex = Assert.Throws<CatalogReadOnlyException>(() => catalog.RemoveIdentity("lfw-mini", "Person_000000", null));
        Assert.Contains("read-only", ex.Message, StringComparison.Ordinal);
        Assert.Contains(catalog.DatabasePath, ex.Message, StringComparison.Ordinal);
        Assert.Throws<CatalogReadOnlyException>(() => catalog.StartRun("lfw-mini"));
        Assert.Throws<CatalogReadOnlyException>(() => catalog.SetMeta("k", "v"));
        Assert.Equal(5, catalog.FaceCount());
    }

    [SkippableFact]
    [UnsupportedOSPlatform("windows")]
    public void A_catalog_in_a_folder_without_write_permission_opens_read_only()
    {
        using (var writer = OpenWithDataset(_temp.Library, out var run))
        {
            Fill(writer, run, 3);
        }

        Skip.IfNot(OperatingSystem.IsLinux() || OperatingSystem.IsMacOS(), "uses Unix permissions");
        File.SetUnixFileMode(Path.Combine(_temp.Library, FaceCatalog.FileName), UnixFileMode.UserRead);
        File.SetUnixFileMode(Path.Combine(_temp.Library, ".lock"), UnixFileMode.UserRead);
        File.SetUnixFileMode(_temp.Library, UnixFileMode.UserRead | UnixFileMode.UserExecute);
        try
        {
            var probe = Path.Combine(_temp.Library, "probe");
            var canWrite = true;
            try
            {
                File.WriteAllText(probe, "x");
                File.Delete(probe);
            }
            catch (UnauthorizedAccessException)
            {
                canWrite = false;
            }

            Skip.If(canWrite, "this user (root?) can write a folder without write permission, so the case cannot be made");
            using var catalog = FaceCatalog.Open(_temp.Library);
            Assert.True(catalog.IsReadOnly);
            Assert.Equal(3, catalog.FaceCount());
            var ex = Assert.Throws<CatalogReadOnlyException>(() => catalog.StartRun("lfw-mini"));
            Assert.Contains("not writable", ex.Message, StringComparison.Ordinal);
        }
        finally
        {
            File.SetUnixFileMode(_temp.Library, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }
    }

    [Fact]
    public void An_immutable_open_reads_a_closed_catalog_even_under_an_awkward_path()
    {
        var library = Path.Combine(_temp.Root, "odd name #1 %20?");
        using (var writer = OpenWithDataset(library, out var run))
        {
            Fill(writer, run, 4);
        }

        var db = Path.Combine(library, FaceCatalog.FileName);
        using var connection = FaceCatalog.Connect(db, SqliteOpenMode.ReadOnly, FaceCatalog.ImmutableUri(db));
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM faces";

        Assert.Equal(4L, cmd.ExecuteScalar());
        Assert.False(File.Exists(db + "-shm"));
    }

    [Fact]
    public void A_crash_just_before_commit_leaves_a_consistent_catalog_without_the_batch()
    {
        var snapshot = Path.Combine(_temp.Root, "after-crash");
        using (var catalog = OpenWithDataset(_temp.Library, out var run))
        {
            Fill(catalog, run, 300);

            // One batch much bigger than a (shrunk) page cache, so SQLite spills uncommitted pages into the WAL.
            using (var cmd = catalog.Connection.CreateCommand())
            {
                cmd.CommandText = "PRAGMA cache_size = 20";
                cmd.ExecuteNonQuery();
            }

            catalog.BeforeCommit = () => CopyFiles(_temp.Library, snapshot);
            Fill(catalog, run, 6000, seed: 3, prefix: "second", batchSize: 6000);
            catalog.BeforeCommit = null;
            Assert.Equal(6300, catalog.FaceCount());
        }

        var wal = new FileInfo(Path.Combine(snapshot, FaceCatalog.FileName + "-wal")).Length;
        Assert.True(wal > 3_000_000, $"the crash left uncommitted frames in the WAL ({wal} bytes, {new FileInfo(Path.Combine(snapshot, FaceCatalog.FileName)).Length} db)");
        using var reopened = FaceCatalog.Open(snapshot);
        Assert.True(reopened.Check().IsOk, string.Join("; ", reopened.Check().IntegrityProblems));
        var faces = reopened.FaceCount();
        Assert.Equal(300, faces);
        Assert.Null(reopened.GetImage("lfw-mini", "Person_000000/second_0000000.jpg"));
        Assert.Equal(RunStatus.Interrupted, reopened.Runs()[0].Status);
    }

    [SkippableFact]
    public void A_writer_killed_mid_transaction_leaves_the_catalog_consistent_and_unchanged()
    {
        Skip.IfNot(OperatingSystem.IsLinux() && File.Exists("/usr/bin/sqlite3"), "needs the sqlite3 shell to write from a process that can be killed");
        using (var catalog = OpenWithDataset(_temp.Library, out var run))
        {
            Fill(catalog, run, 200);
        }

        // The shell opens an IMMEDIATE transaction, writes 20 MB of faces, then sleeps inside it until killed.
        var marker = Path.Combine(_temp.Root, "written");
        var script = $"""
            BEGIN IMMEDIATE;
            WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 20000)
            INSERT INTO faces (image_id, face_index, box_l, box_t, box_r, box_b, score, landmarks, model_id, embedding, is_subject)
            SELECT 1, i, 0, 0, 99, 99, 1.0, NULL, 1, randomblob(512), 0 FROM n;
            .shell touch {marker}
            .shell sleep 120
            COMMIT;
            """;
        var start = new ProcessStartInfo("/usr/bin/sqlite3", [Path.Combine(_temp.Library, FaceCatalog.FileName)]) { RedirectStandardInput = true };
        using var writer = Process.Start(start)!;
        writer.StandardInput.Write(script);
        writer.StandardInput.Flush();
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(marker) && DateTime.UtcNow < deadline && !writer.HasExited)
        {
            Thread.Sleep(50);
        }

        Assert.True(File.Exists(marker), "the shell did not reach the middle of its transaction");
        writer.Kill(entireProcessTree: true);
        writer.WaitForExit();

        using var reopened = FaceCatalog.Open(_temp.Library);
        Assert.True(reopened.Check().IsOk);
        Assert.Equal(200, reopened.FaceCount());
    }

    [Fact]
    public void A_full_disk_during_commit_rolls_the_batch_back_and_says_so()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        Fill(catalog, run, 100);
        long pages;
        using (var cmd = catalog.Connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA page_count";
            pages = (long)cmd.ExecuteScalar()!;
            cmd.CommandText = $"PRAGMA max_page_count = {pages + 5}";
            cmd.ExecuteNonQuery();
        }

        var rng = new Random(7);
        var big = Enumerable.Range(0, 300).Select(i => Image($"Big/big_{i:D4}.jpg", "Big", 1, rng)).ToList();

        var ex = Assert.Throws<CatalogException>(() => catalog.CommitBatch(run, big));

        Assert.Contains("full", ex.Message, StringComparison.Ordinal);
        Assert.Contains("rolled back", ex.Message, StringComparison.Ordinal);
        Assert.Equal(100, catalog.FaceCount());
        Assert.Null(catalog.GetImage("lfw-mini", "Big/big_0000.jpg"));
        Assert.True(catalog.Check().IsOk);

        using (var cmd = catalog.Connection.CreateCommand())
        {
            cmd.CommandText = "PRAGMA max_page_count = 1073741823";
            cmd.ExecuteNonQuery();
        }

        Assert.Equal(300, catalog.CommitBatch(run, big).Faces);
        Assert.Equal(400, catalog.FaceCount());
    }

    [Fact]
    public void A_library_folder_that_vanishes_gives_a_clear_error_and_no_silent_writes()
    {
        using var catalog = OpenWithDataset(_temp.Library, out var run);
        Fill(catalog, run, 3);
        Directory.Move(_temp.Library, _temp.Library + "-moved");

        var ex = Assert.Throws<CatalogException>(() => Fill(catalog, run, 3, seed: 9, prefix: "late"));

        Assert.Contains("is gone", ex.Message, StringComparison.Ordinal);
        Assert.Contains(_temp.Library, ex.Message, StringComparison.Ordinal);
        var missing = Assert.Throws<CatalogException>(() => FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true)));
        Assert.Contains("does not exist", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_catalog_from_a_newer_schema_is_refused_and_left_untouched()
    {
        using (FaceCatalog.Open(_temp.Library))
        {
        }

        var db = Path.Combine(_temp.Library, FaceCatalog.FileName);
        using (var raw = new SqliteConnection($"Data Source={db};Pooling=False"))
        {
            raw.Open();
            using var cmd = raw.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 99";
            cmd.ExecuteNonQuery();
        }

        var ex = Assert.Throws<CatalogException>(() => FaceCatalog.Open(_temp.Library));
        Assert.Contains("newer", ex.Message, StringComparison.Ordinal);
        Assert.Contains("99", ex.Message, StringComparison.Ordinal);
        Assert.Throws<CatalogException>(() => FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true)));

        // The refusal released the writer lock.
        using var raw2 = new SqliteConnection($"Data Source={db};Pooling=False");
        raw2.Open();
        using var set = raw2.CreateCommand();
        set.CommandText = $"PRAGMA user_version = {CatalogSchema.CurrentVersion}";
        set.ExecuteNonQuery();
        using var ok = FaceCatalog.Open(_temp.Library);
        Assert.True(ok.Check().IsOk);
    }

    [Fact]
    public void Opening_a_missing_library_without_create_says_what_to_do()
    {
        var ex = Assert.Throws<CatalogException>(() => FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(Create: false)));
        Assert.Contains("does not exist", ex.Message, StringComparison.Ordinal);
        Assert.False(Directory.Exists(_temp.Library));
    }

    private static void CopyFiles(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            if (!Path.GetFileName(file).StartsWith(".lock", StringComparison.Ordinal))
            {
                File.Copy(file, Path.Combine(to, Path.GetFileName(file)), overwrite: true);
            }
        }
    }
}
