using System.Net;
using System.Net.Sockets;
using System.Text.Json;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>
/// The reading commands on a PostgreSQL library (real processes, a real throw-away server): datasets, info and eval
/// identify answer as they do on a SQLite library holding the same images; serve searches an index folder kept in step.
/// </summary>
[Collection(PostgresTests.Name)]
public sealed class PostgresReadCommandsTests(PostgresCluster pg)
{
    [SkippableFact]
    public void Datasets_info_and_eval_identify_answer_on_PostgreSQL_as_on_the_same_SQLite_library()
    {
        pg.Require();
        using var tmp = new TempDir();
        var sample = Datasets.CopySample(tmp.Sub("sample"));
        var folder = tmp.Sub("lib");
        var library = pg.NewLibrary();
        var sqliteRun = CliRunner.Run("index", sample, "--library", folder, "--json", "--detector", "hog");
        Assert.True(sqliteRun.ExitCode == 0, sqliteRun.ToString());
        var pgRun = CliRunner.Run("index", sample, "--library", library, "--json", "--detector", "hog");
        Assert.True(pgRun.ExitCode == 0, pgRun.ToString());
        Assert.Equal(0, CliRunner.Run("remove", "--dataset", "sample", "--image", "kit_harington/john2.jpeg", "--library", folder, "--json").ExitCode);
        Assert.Equal(0, CliRunner.Run("remove", "--dataset", "sample", "--image", "kit_harington/john2.jpeg", "--library", library, "--json").ExitCode);

        // datasets: the same rows but the root (each machine's own mount point).
        static string Rows(CliResult r) => JsonSerializer.Serialize(JsonDocument.Parse(r.Stdout).RootElement.EnumerateArray()
            .Select(d => d.EnumerateObject().Where(p => p.Name != "root").ToDictionary(p => p.Name, p => p.Value.ToString())));
        var sqliteSets = CliRunner.Run("datasets", "--library", folder, "--json");
        var pgSets = CliRunner.Run("datasets", "--library", library, "--json");
        Assert.True(pgSets.ExitCode == 0, pgSets.ToString());
        Assert.Equal(Rows(sqliteSets), Rows(pgSets));
        Assert.Contains("\"removals\": 1", pgSets.Stdout, StringComparison.Ordinal);

        // info: the same faces, statuses, removals and runs; the integrity line says who checks it.
        var sqliteInfo = JsonDocument.Parse(CliRunner.Run("info", "--library", folder, "--json").Stdout).RootElement;
        var pgInfoRun = CliRunner.Run("info", "--library", library, "--json");
        Assert.True(pgInfoRun.ExitCode == 0, pgInfoRun.ToString());
        var pgInfo = JsonDocument.Parse(pgInfoRun.Stdout).RootElement;
        Assert.Equal(sqliteInfo.GetProperty("faces").GetInt64(), pgInfo.GetProperty("faces").GetInt64());
        Assert.Equal(sqliteInfo.GetProperty("statuses").ToString(), pgInfo.GetProperty("statuses").ToString());
        Assert.Equal(1, pgInfo.GetProperty("removals").GetArrayLength());
        Assert.Equal("enforced by the PostgreSQL server", pgInfo.GetProperty("integrity").GetString());
        Assert.StartsWith("postgresql://faceindex@127.0.0.1:", pgInfo.GetProperty("library").GetString(), StringComparison.Ordinal);
        var run = pgInfo.GetProperty("runs")[0];
        Assert.Equal("completed", run.GetProperty("status").GetString());
        Assert.Contains("\"detector\":\"hog\"", run.GetProperty("settingsJson").GetString(), StringComparison.Ordinal);
        Assert.DoesNotContain(pg.Password, pgSets.Stdout + pgSets.Stderr + pgInfoRun.Stdout + pgInfoRun.Stderr, StringComparison.Ordinal);
        var table = CliRunner.Run("info", "--library", library);
        Assert.True(table.ExitCode == 0, table.ToString());
        Assert.Contains("index build", table.Stdout, StringComparison.Ordinal);

        // eval identify reads the labelled faces through the same contract: the same protocol, the same figures.
        string[] Identify(string lib) => ["eval", "identify", "--dataset", "sample", "--library", lib, "--search", "exact", "--threshold", "0.6", "--json"];
        var sqliteEval = JsonDocument.Parse(CliRunner.Run(Identify(folder)).Stdout).RootElement;
        var pgEvalRun = CliRunner.Run(Identify(library));
        Assert.True(pgEvalRun.ExitCode == 0, pgEvalRun.ToString());
        var pgEval = JsonDocument.Parse(pgEvalRun.Stdout).RootElement;
        Assert.Equal(sqliteEval.GetProperty("identities").GetInt32(), pgEval.GetProperty("identities").GetInt32());
        AssertSame(sqliteEval.GetProperty("results"), pgEval.GetProperty("results"), "results");

        // A calibration fitted on the PostgreSQL library is stored there and decides queries through an index folder.
        var calibrate = CliRunner.Run("calibrate", "--library", library, "--dataset", "sample", "--bootstrap", "0", "--json");
        Assert.True(calibrate.ExitCode == 0, calibrate.ToString());
        var stored = JsonDocument.Parse(calibrate.Stdout).RootElement.GetProperty("stored").GetInt64();
        var index = tmp.Sub("index");
        Assert.Equal(0, CliRunner.Run("index", "build", "--library", library, "--out", index, "--json").ExitCode);
        var query = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "--library", library, "--index", index, "--json", "-k", "1");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains($"calibration #{stored}", query.Stdout, StringComparison.Ordinal);

        // What still needs a folder says so.
        var export = CliRunner.Run("export", "--library", library, "--dataset", "sample", "--out", Path.Combine(tmp.Sub("export"), "x.npz"));
        Assert.Equal(1, export.ExitCode);
        Assert.Contains("SQLite library", export.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Shards_merged_into_a_PostgreSQL_library_are_listed_and_queried_like_one_run()
    {
        pg.Require();
        using var tmp = new TempDir();
        var sample = Datasets.CopySample(tmp.Sub("sample"));
        var shards = new[] { tmp.Sub("s1"), tmp.Sub("s2") };
        for (var i = 0; i < shards.Length; i++)
        {
            var shard = CliRunner.Run("index", sample, "--library", shards[i], "--shard", $"{i + 1}/2", "--json");
            Assert.True(shard.ExitCode == 0, shard.ToString());
        }

        var library = pg.NewLibrary();
        var merge = CliRunner.Run(["merge", .. shards, "--into", library, "--json"]);
        Assert.True(merge.ExitCode == 0, merge.ToString());
        var again = CliRunner.Run(["merge", .. shards, "--into", library, "--json"]);
        Assert.True(again.ExitCode == 0, again.ToString());
        Assert.Contains("\"imagesAdded\": 0", again.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain(pg.Password, merge.Stdout + merge.Stderr, StringComparison.Ordinal);

        var sets = CliRunner.Run("datasets", "--library", library, "--json");
        Assert.True(sets.ExitCode == 0, sets.ToString());
        var row = JsonDocument.Parse(sets.Stdout).RootElement[0];
        Assert.Equal(6, row.GetProperty("ok").GetInt32());
        var index = tmp.Sub("index");
        Assert.Equal(0, CliRunner.Run("index", "build", "--library", library, "--out", index, "--json").ExitCode);
        var query = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "--library", library, "--index", index, "--json", "-k", "1");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("\"identity\": \"obama\"", query.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Serve_on_a_PostgreSQL_library_finds_faces_indexed_after_it_started_and_drops_removed_ones()
    {
        pg.Require();
        using var tmp = new TempDir();
        var library = pg.NewLibrary();
        var sample = Datasets.CopySample(tmp.Sub("sample"));
        Assert.Equal(0, CliRunner.Run("index", sample, "--library", library, "--json").ExitCode);
        var index = tmp.Sub("index");
        var build = CliRunner.Run("index", "build", "--library", library, "--out", index, "--json");
        Assert.True(build.ExitCode == 0, build.ToString());

        var port = FreePort();
        using var serve = CliRunner.Start("serve", "--library", library, "--index", index, "--sync-every", "1", "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-analyses", "1");
        try
        {
            var line = await WaitForLine(serve, "serving", TimeSpan.FromMinutes(2));
            Assert.Contains("postgresql://faceindex@127.0.0.1", line, StringComparison.Ordinal);
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };

            var more = tmp.Sub("more");
            Datasets.CopyTree(TestPaths.DataFile("faces", "deepface"), more);
            var added = CliRunner.Run("index", more, "--dataset", "more", "--licence", "test photos", "--library", library, "--json");
            Assert.True(added.ExitCode == 0, added.ToString());
            var removed = CliRunner.Run("remove", "--dataset", "sample", "--identity", "obama", "--library", library, "--json");
            Assert.True(removed.ExitCode == 0, removed.ToString());

            // Within a few syncs the new dataset is listed, its face is found exactly, and obama is gone.
            var clock = System.Diagnostics.Stopwatch.StartNew();
            while (!(await client.GetStringAsync(new Uri("/api/datasets", UriKind.Relative))).Contains("\"more\"", StringComparison.Ordinal))
            {
                Assert.True(clock.Elapsed < TimeSpan.FromSeconds(60), "the served index folder never picked up the dataset indexed after the start");
                await Task.Delay(500);
            }

            await Task.Delay(2500);
            using (var target = await Query(client, Path.Combine(more, "target.jpg")))
            {
                var body = await target.Content.ReadAsStringAsync();
                Assert.True(target.StatusCode == HttpStatusCode.OK, body);
                using var doc = JsonDocument.Parse(body);
                var hit = doc.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits")[0];
                Assert.Equal("more", hit.GetProperty("dataset").GetString());
                Assert.True(hit.GetProperty("distance").GetSingle() < 0.05f, hit.ToString());
            }

            using var obama = await Query(client, TestPaths.DataFile("faces", "queries", "obama2.jpg"));
            var answer = await obama.Content.ReadAsStringAsync();
            Assert.True(obama.StatusCode == HttpStatusCode.OK, answer);
            Assert.DoesNotContain("\"identity\": \"obama\"", answer, StringComparison.Ordinal);
            Assert.DoesNotContain("\"identity\":\"obama\"", answer, StringComparison.Ordinal);
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    /// <summary>The same JSON, numbers to float rounding: a worker's embedding batches hold other chips than one run's,
    /// and a batched convolution's sums differ in the last bits (seen: 1e-7 on a derived threshold).</summary>
    private static void AssertSame(JsonElement expected, JsonElement actual, string path)
    {
        Assert.True(expected.ValueKind == actual.ValueKind, $"{path}: {expected.ValueKind} vs {actual.ValueKind}");
        switch (expected.ValueKind)
        {
            case JsonValueKind.Object:
                Assert.Equal(expected.EnumerateObject().Select(p => p.Name), actual.EnumerateObject().Select(p => p.Name));
                foreach (var p in expected.EnumerateObject())
                {
                    AssertSame(p.Value, actual.GetProperty(p.Name), $"{path}.{p.Name}");
                }

                break;
            case JsonValueKind.Array:
                Assert.True(expected.GetArrayLength() == actual.GetArrayLength(), $"{path}: {expected.GetArrayLength()} vs {actual.GetArrayLength()} items");
                for (var i = 0; i < expected.GetArrayLength(); i++)
                {
                    AssertSame(expected[i], actual[i], $"{path}[{i}]");
                }

                break;
            case JsonValueKind.Number:
                Assert.True(Math.Abs(expected.GetDouble() - actual.GetDouble()) <= 1e-5, $"{path}: {expected} vs {actual}");
                break;
            default:
                Assert.True(expected.ToString() == actual.ToString(), $"{path}: {expected} vs {actual}");
                break;
        }
    }

    private static async Task<HttpResponseMessage> Query(HttpClient client, string photo)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(File.ReadAllBytes(photo)), "photo", Path.GetFileName(photo));
        form.Add(new StringContent("5"), "k");
        return await client.PostAsync(new Uri("/api/query", UriKind.Relative), form);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> WaitForLine(System.Diagnostics.Process process, string contains, TimeSpan timeout)
    {
        using var cts = new CancellationTokenSource(timeout);
        while (true)
        {
            var line = await process.StandardOutput.ReadLineAsync(cts.Token) ?? throw new InvalidOperationException($"the server ended before printing '{contains}': {await process.StandardError.ReadToEndAsync()}");
            if (line.Contains(contains, StringComparison.Ordinal))
            {
                return line;
            }
        }
    }
}
