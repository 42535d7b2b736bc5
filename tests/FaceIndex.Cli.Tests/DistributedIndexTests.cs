using System.Diagnostics;
using FaceIndex.Tests;
using Microsoft.Data.Sqlite;
using Npgsql;

namespace FaceIndex.Cli.Tests;

/// <summary>Workers on one PostgreSQL library (real CLI processes, a real server) against a single SQLite run.</summary>
[Collection(PostgresTests.Name)]
public sealed class DistributedIndexTests
{
    private readonly PostgresCluster _pg;

    public DistributedIndexTests(PostgresCluster pg) => _pg = pg;

    [SkippableFact]
    public void Three_workers_one_killed_twice_and_a_database_restart_give_the_single_process_sqlite_library()
    {
        _pg.Require();
        using var tmp = new TempDir();
        var dataset = BuildDataset(tmp.Sub("set"));
        var clean = tmp.Sub("clean");
        var reference = CliRunner.Run("index", dataset, "--library", clean, "--json");
        Assert.True(reference.ExitCode == 0, reference.ToString());

        var library = _pg.NewLibrary();
        string[] Worker() => ["index", dataset, "--library", library, "--json", "--claim", "4", "--lease", "3", "--max-outage", "90", "--workers", "1"];
        var random = new Random(15);
        var survivors = new[] { CliRunner.Start(Worker()), CliRunner.Start(Worker()) };
        var outputs = survivors.Select(p => (p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync())).ToList();
        var kills = 0;
        var restarted = false;
        Process victim = CliRunner.Start(Worker());
        var victimOut = Drain(victim);
        var victimAge = Stopwatch.StartNew();
        var clock = Stopwatch.StartNew();
        while ((kills < 2 || !restarted) && clock.Elapsed < TimeSpan.FromMinutes(2))
        {
            Thread.Sleep(TimeSpan.FromMilliseconds(500 + random.Next(2000)));
            // Ran out: every registered image done (a schema with no image registered yet is not "ran out").
            if (Pending(library) == 0 && Done(library) > 0)
            {
                break;
            }

            if (!restarted && kills >= 1 && Done(library) > 0)
            {
                // The server goes away for two seconds under the workers' feet.
                _pg.Stop();
                Thread.Sleep(2000);
                _pg.Start();
                restarted = true;
                continue;
            }

            // kill -9 at a random moment while the victim holds claims (so its leases must expire and be retaken);
            // on a fast machine a sample can fall between two of its claims, so after 4 s of work it goes anyway.
            var holds = Scalar(library, $"SELECT count(*) FROM images i JOIN runs r ON r.id = i.claimed_by WHERE r.pid = {victim.Id} AND i.status = 'pending'") > 0;
            var working = victimAge.Elapsed > TimeSpan.FromSeconds(4) && Scalar(library, $"SELECT count(*) FROM runs WHERE pid = {victim.Id}") > 0;
            if (kills < 2 && (holds || working))
            {
                victim.Kill(entireProcessTree: true);
                victim.WaitForExit();
                victim.Dispose();
                kills++;
                victim = CliRunner.Start(Worker());
                victimOut = Drain(victim);
                victimAge.Restart();
            }
        }

        foreach (var (p, n) in survivors.Append(victim).Select((p, n) => (p, n)))
        {
            Assert.True(p.WaitForExit(TimeSpan.FromMinutes(3)), $"worker {n} did not finish");
        }

        for (var n = 0; n < survivors.Length; n++)
        {
            Assert.True(survivors[n].ExitCode == 0, $"worker {n}: exit {survivors[n].ExitCode}\n{outputs[n].Item1.Result}\n{outputs[n].Item2.Result}");
        }

        Assert.True(victim.ExitCode == 0, $"last restarted worker: exit {victim.ExitCode}\n{victimOut.Result}");
        Assert.True(restarted, $"the database restart did not happen before the work ran out ({kills} kills, {clock.Elapsed.TotalSeconds:F0} s)");
        Assert.True(kills == 2, $"the worker was killed {kills} times before the work ran out");

        var expected = SqliteSnapshot(clean);
        var actual = PgSnapshot(library);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, (imageStatus, faces)) in expected)
        {
            Assert.Equal(imageStatus, actual[path].Status);
            Assert.Equal(faces.Select(f => f.Box), actual[path].Faces.Select(f => f.Box));
            for (var i = 0; i < faces.Count; i++)
            {
                var a = faces[i].Embedding;
                var b = actual[path].Faces[i].Embedding;
                var worst = a.Zip(b).Max(p => Math.Abs(p.First - p.Second));
                Assert.True(worst < 1e-5f, $"{path} face {i}: embeddings differ by {worst}");
            }
        }

        // Status and the index folder work on what the workers left.
        var status = CliRunner.Run("status", "--library", library, "--json");
        Assert.True(status.ExitCode == 0, status.ToString());
        Assert.Contains("\"pending\": 0", status.Stdout, StringComparison.Ordinal);
        var build = CliRunner.Run("index", "build", "--library", library, "--out", tmp.Sub("index"), "--json");
        Assert.True(build.ExitCode == 0, build.ToString());
        var query = CliRunner.Run("query", Path.Combine(dataset, "obama", "obama.jpg"), "--library", library, "--index", tmp.Sub("index"), "--json", "-k", "1");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("obama", query.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_worker_whose_folder_shows_another_dataset_refuses_to_claim()
    {
        _pg.Require();
        using var tmp = new TempDir();
        var dataset = Datasets.CopySample(tmp.Sub("a"));
        var library = _pg.NewLibrary();
        var first = CliRunner.Run("index", dataset, "--library", library, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());

        // The same dataset name, seen through a wrong mount: a file missing.
        var other = Datasets.CopySample(tmp.Sub("b"));
        File.Delete(Directory.EnumerateFiles(other, "*.jp*g", SearchOption.AllDirectories).First());
        var refused = CliRunner.Run("index", other, "--library", library, "--dataset", "sample", "--json");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("does not hold the dataset", refused.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain(_pg.Password, refused.Stderr + refused.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_query_through_an_index_folder_finds_faces_added_since_the_build_and_never_removed_ones()
    {
        _pg.Require();
        using var tmp = new TempDir();
        var library = _pg.NewLibrary();
        var sample = Datasets.CopySample(tmp.Sub("sample"));
        Assert.Equal(0, CliRunner.Run("index", sample, "--library", library, "--json").ExitCode);
        var index = tmp.Sub("index");
        var build = CliRunner.Run("index", "build", "--library", library, "--out", index, "--json");
        Assert.True(build.ExitCode == 0, build.ToString());

        // Added after the build: found (exactly, at distance ~0) by a query through the same index folder.
        var more = tmp.Sub("more");
        Datasets.CopyTree(TestPaths.DataFile("faces", "deepface"), more);
        var added = CliRunner.Run("index", more, "--dataset", "more", "--licence", "test photos", "--library", library, "--json");
        Assert.True(added.ExitCode == 0, added.ToString());
        var found = CliRunner.Run("query", Path.Combine(more, "target.jpg"), "--library", library, "--index", index, "--json", "-k", "1", "--largest");
        Assert.True(found.ExitCode == 0, found.ToString());
        Assert.Contains("target.jpg", found.Stdout, StringComparison.Ordinal);

        // Removed after the build: gone from every answer at once.
        var removed = CliRunner.Run("remove", "--dataset", "sample", "--identity", "obama", "--library", library, "--json");
        Assert.True(removed.ExitCode == 0, removed.ToString());
        var after = CliRunner.Run("query", Path.Combine(sample, "obama", "obama.jpg"), "--library", library, "--index", index, "--json", "-k", "5");
        Assert.True(after.ExitCode == 0, after.ToString());
        Assert.Contains("\"identity\": \"kit_harington\"", after.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("\"identity\": \"obama\"", after.Stdout, StringComparison.Ordinal);

        // Commands that still work on a folder only say so.
        var audit = CliRunner.Run("audit", "--library", library, "--dataset", "sample");
        Assert.Equal(1, audit.ExitCode);
        Assert.Contains("needs a SQLite library", audit.Stderr, StringComparison.Ordinal);
    }

    private static Task<string> Drain(Process p)
    {
        var stdout = p.StandardOutput.ReadToEndAsync();
        var stderr = p.StandardError.ReadToEndAsync();
        return Task.WhenAll(stdout, stderr).ContinueWith(_ => stdout.Result + stderr.Result, TaskScheduler.Default);
    }

    /// <summary>The committed sample, four more committed photos and, when present, the development photos.</summary>
    private static string BuildDataset(string dir)
    {
        Datasets.CopySample(dir);
        Datasets.CopyTree(TestPaths.DataFile("faces", "deepface"), Path.Combine(dir, "deepface-committed"));
        var shared = TestPaths.SharedFile("faces");
        if (Directory.Exists(shared))
        {
            Datasets.CopyTree(Path.Combine(shared, "deepface"), Path.Combine(dir, "deepface-shared"));
        }

        return dir;
    }

    private static long Done(string library) => Scalar(library, "SELECT count(*) FROM images WHERE status <> 'pending'");

    private static long Pending(string library) => Scalar(library, "SELECT count(*) FROM images WHERE status = 'pending'");

    private static long Scalar(string library, string sql)
    {
        using var c = new NpgsqlConnection(FaceIndex.Catalog.Postgres.PgLibrary.Parse(library).ConnectionString + ";Pooling=false");
        c.Open();
        using var cmd = new NpgsqlCommand(sql, c);
        try
        {
            return Convert.ToInt64(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }
        catch (PostgresException ex) when (ex.SqlState == PostgresErrorCodes.UndefinedTable)
        {
            return -1; // No worker has created the schema yet.
        }
    }

    private static Dictionary<string, (string Status, List<(string Box, float[] Embedding)> Faces)> SqliteSnapshot(string library)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(library, "catalog.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT i.rel_path, i.status, f.box_l, f.box_t, f.box_r, f.box_b, f.embedding FROM images i LEFT JOIN faces f ON f.image_id = i.id ORDER BY i.rel_path, f.face_index";
        using var r = cmd.ExecuteReader();
        return Read(r);
    }

    private static Dictionary<string, (string Status, List<(string Box, float[] Embedding)> Faces)> PgSnapshot(string library)
    {
        using var c = new NpgsqlConnection(FaceIndex.Catalog.Postgres.PgLibrary.Parse(library).ConnectionString + ";Pooling=false");
        c.Open();
        using var cmd = new NpgsqlCommand("SELECT i.rel_path, i.status, f.box_l, f.box_t, f.box_r, f.box_b, f.embedding FROM images i LEFT JOIN faces f ON f.image_id = i.id ORDER BY i.rel_path, f.face_index", c);
        using var r = cmd.ExecuteReader();
        return Read(r);
    }

    private static Dictionary<string, (string, List<(string, float[])>)> Read(System.Data.Common.DbDataReader r)
    {
        var map = new Dictionary<string, (string, List<(string, float[])>)>(StringComparer.Ordinal);
        while (r.Read())
        {
            var path = r.GetString(0);
            if (!map.TryGetValue(path, out var entry))
            {
                entry = map[path] = (r.GetString(1), []);
            }

            if (r.IsDBNull(2))
            {
                continue;
            }

            var bytes = (byte[])r.GetValue(6);
            var e = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, e, 0, bytes.Length);
            entry.Item2.Add(($"{r.GetInt32(2)},{r.GetInt32(3)},{r.GetInt32(4)},{r.GetInt32(5)}", e));
        }

        return map;
    }
}
