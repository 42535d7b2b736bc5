using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Sockets;
using System.Text.Json;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>
/// Readers never wait: queries and a server run beside an indexer on the same library, and the server sees the new
/// faces; many photos in one query run. Real processes, as a user starts them.
/// </summary>
public sealed class ReadersAndServeTests
{
    private static string Obama2 => TestPaths.DataFile("faces", "queries", "obama2.jpg");

    [Fact]
    public async Task Four_queries_all_answer_while_index_adds_a_dataset()
    {
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var first = CliRunner.Run("index", Datasets.CopySample(tmp.Sub("sample")), "--library", library, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var more = Copies(tmp.Sub("more"), 15);

        using var index = CliRunner.Start("index", more, "--dataset", "more", "--licence", "MIT", "--library", library, "--json");
        var indexOut = index.StandardOutput.ReadToEndAsync();
        var indexErr = index.StandardError.ReadToEndAsync();
        Thread.Sleep(1500);
        Assert.False(index.HasExited, "the indexer should still be running when the queries start");
        var queries = Enumerable.Range(0, 4).Select(_ => Task.Run(() => CliRunner.Run("query", Obama2, "-k", "2", "--library", library, "--json"))).ToArray();
        var info = CliRunner.Run("info", "--library", library, "--json");
        var datasets = CliRunner.Run("datasets", "--library", library, "--json");
        var answers = await Task.WhenAll(queries);
        Assert.True(index.WaitForExit(TimeSpan.FromMinutes(5)), "index did not finish");
        Assert.True(index.ExitCode == 0, await indexOut + await indexErr);

        foreach (var q in answers)
        {
            Assert.True(q.ExitCode == 0, q.ToString());
            using var doc = JsonDocument.Parse(q.Stdout);
            Assert.Equal("obama", doc.RootElement.GetProperty("faces")[0].GetProperty("hits")[0].GetProperty("identity").GetString());
        }

        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.True(datasets.ExitCode == 0, datasets.ToString());
    }

    [Fact]
    public async Task Serve_keeps_answering_through_an_index_run_and_then_sees_the_new_faces()
    {
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var first = CliRunner.Run("index", Datasets.CopySample(tmp.Sub("sample")), "--library", library, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        var extra = tmp.Sub("extra");
        Directory.CreateDirectory(Path.Combine(extra, "target_person"));
        File.Copy(TestPaths.DataFile("faces", "deepface", "target.jpg"), Path.Combine(extra, "target_person", "target.jpg"));
        Copies(extra, 12);

        var port = FreePort();
        using var serve = CliRunner.Start("serve", "--library", library, "--port", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "--max-analyses", "1");
        var serveErr = serve.StandardError.ReadToEndAsync();
        try
        {
            await WaitForLine(serve, "serving", TimeSpan.FromMinutes(2));
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var before = await Query(client, Obama2))
            {
                Assert.Equal(HttpStatusCode.OK, before.StatusCode);
            }

            using var index = CliRunner.Start("index", extra, "--dataset", "extra", "--licence", "MIT", "--library", library, "--json");
            var indexOut = index.StandardOutput.ReadToEndAsync();
            var indexErr = index.StandardError.ReadToEndAsync();
            var answeredDuring = 0;
            while (!index.HasExited)
            {
                using var during = await Query(client, Obama2);
                Assert.True(during.StatusCode == HttpStatusCode.OK, await during.Content.ReadAsStringAsync());
                answeredDuring += index.HasExited ? 0 : 1;
            }

            Assert.True(index.ExitCode == 0, await indexOut + await indexErr);
            Assert.True(answeredDuring > 0, "no query was answered while the index ran");

            using var datasets = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/datasets", UriKind.Relative)));
            Assert.Contains(datasets.RootElement.EnumerateArray(), d => d.GetProperty("name").GetString() == "extra");

            using var after = await Query(client, TestPaths.DataFile("faces", "deepface", "target.jpg"));
            using var doc = JsonDocument.Parse(await after.Content.ReadAsStringAsync());
            var hit = doc.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits")[0];
            Assert.Equal("extra", hit.GetProperty("dataset").GetString());
            Assert.True(hit.GetProperty("distance").GetSingle() < 0.05f, hit.ToString());

            // The indexer's new build was renamed into place; the server took it up (no face is left in its exact delta).
            using var info = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/info", UriKind.Relative)));
            Assert.Equal(0, info.RootElement.GetProperty("facesSinceBuild").GetInt32());
        }
        finally
        {
            if (!serve.HasExited)
            {
                serve.Kill(entireProcessTree: true);
            }
        }
    }

    [Fact]
    public async Task Serve_bound_beyond_loopback_generates_a_token_and_refuses_requests_without_it()
    {
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        Assert.Equal(0, CliRunner.Run("index", Datasets.CopySample(tmp.Sub("sample")), "--library", library, "--json").ExitCode);
        var port = FreePort();
        using var serve = CliRunner.Start("serve", "--library", library, "--urls", $"http://0.0.0.0:{port}");
        try
        {
            var token = (await WaitForLine(serve, "access token", TimeSpan.FromMinutes(2))).Split(' ')[^1];
            using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
            using (var anonymous = await client.GetAsync(new Uri("/api/info", UriKind.Relative)))
            {
                Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            }

            client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            using var ok = await client.GetAsync(new Uri("/api/info", UriKind.Relative));
            Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        }
        finally
        {
            serve.Kill(entireProcessTree: true);
        }
    }

    [Fact]
    public void Many_photos_in_one_run_stream_json_lines_and_csv_rows_and_a_bad_one_is_a_row()
    {
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        Assert.Equal(0, CliRunner.Run("index", Datasets.CopySample(tmp.Sub("sample")), "--library", library, "--json").ExitCode);
        var bad = tmp.Sub("bad.jpg");
        File.WriteAllText(bad, "not an image");
        var list = tmp.Sub("probes.txt");
        File.WriteAllLines(list, ["# probes", Obama2, "bad.jpg"]);

        var json = CliRunner.Run("query", Obama2, bad, TestPaths.DataFile("faces", "deepface"), "-k", "2", "--library", library, "--json");
        Assert.True(json.ExitCode == 0, json.ToString());
        var lines = json.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => JsonDocument.Parse(l)).ToList();
        Assert.Equal(Obama2, lines[0].RootElement.GetProperty("photo").GetString());
        Assert.Equal("obama", lines[0].RootElement.GetProperty("hits")[0].GetProperty("identity").GetString());
        Assert.Equal("NotAnImage", lines[1].RootElement.GetProperty("errorReason").GetString());
        Assert.True(lines.Count >= 6, "one line per query face: the group selfie adds several");
        Assert.Contains("6 photos", json.Stderr, StringComparison.Ordinal);

        var csv = CliRunner.Run("query", "--list", list, "-k", "2", "--subject", "center", "--library", library, "--csv");
        Assert.True(csv.ExitCode == 0, csv.ToString());
        var rows = csv.Stdout.Trim().Split('\n');
        Assert.StartsWith("photo,query_face,rank", rows[0], StringComparison.Ordinal);
        Assert.Equal(4, rows.Length);
        Assert.Contains(",obama,", rows[1], StringComparison.Ordinal);
        Assert.Contains("NotAnImage", rows[3], StringComparison.Ordinal);
    }

    /// <summary>A dataset of identity folders holding <paramref name="copies"/> copies of the sample's photos (renamed, so none is skipped).</summary>
    private static string Copies(string dir, int copies)
    {
        var sample = TestPaths.DataFile("faces", "face_recognition");
        foreach (var file in Directory.EnumerateFiles(sample, "*.jp*", SearchOption.AllDirectories))
        {
            var person = Path.GetFileName(Path.GetDirectoryName(file)!);
            Directory.CreateDirectory(Path.Combine(dir, person + "_copy"));
            for (var i = 0; i < copies; i++)
            {
                File.Copy(file, Path.Combine(dir, person + "_copy", $"{Path.GetFileNameWithoutExtension(file)}_{i}{Path.GetExtension(file)}"));
            }
        }

        return dir;
    }

    private static async Task<HttpResponseMessage> Query(HttpClient client, string photo)
    {
        using var form = new MultipartFormDataContent();
        form.Add(new ByteArrayContent(File.ReadAllBytes(photo)), "photo", Path.GetFileName(photo));
        form.Add(new StringContent("3"), "k");
        return await client.PostAsync(new Uri("/api/query", UriKind.Relative), form);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static async Task<string> WaitForLine(Process process, string contains, TimeSpan timeout)
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
