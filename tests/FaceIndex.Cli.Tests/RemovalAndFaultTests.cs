using System.Diagnostics;
using System.Text.Json;
using FaceIndex.Tests;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Cli.Tests;

/// <summary>Removal requests, bad images in a dataset, a licence-less dataset, concurrent writers, and kill -9.</summary>
public sealed class RemovalAndFaultTests
{
    [Fact]
    public void A_removed_identity_is_never_returned_and_does_not_come_back_on_reindex()
    {
        using var tmp = new TempDir();
        var dataset = Datasets.CopySample(tmp.Sub("sample"));
        var library = tmp.Sub("library");
        Assert.Equal(0, CliRunner.Run("index", dataset, "--library", library, "--json").ExitCode);

        var removed = CliRunner.Run("remove", "--dataset", "sample", "--identity", "obama", "--reason", "subject asked", "--library", library, "--json");
        Assert.True(removed.ExitCode == 0, removed.ToString());

        var query = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "-k", "10", "--library", library, "--json");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.DoesNotContain("\"identity\": \"obama\"", query.Stdout, StringComparison.Ordinal);

        var again = CliRunner.Run("index", dataset, "--library", library, "--json");
        Assert.True(again.ExitCode == 0, again.ToString());
        var after = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "-k", "10", "--library", library, "--json");
        Assert.DoesNotContain("\"identity\": \"obama\"", after.Stdout, StringComparison.Ordinal);

        var info = CliRunner.Run("info", "--library", library, "--json");
        Assert.Contains("subject asked", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_images_are_recorded_with_their_reason_and_the_run_goes_on()
    {
        using var tmp = new TempDir();
        var dataset = tmp.Sub("mixed");
        Directory.CreateDirectory(dataset);
        foreach (var bad in new[] { "truncated.jpg", "random.jpg", "empty.jpg", "huge_30000x30000.png", "text.jpg" })
        {
            File.Copy(TestPaths.DataFile("bad", bad), Path.Combine(dataset, bad));
        }

        File.Copy(TestPaths.DataFile("faces", "deepface", "img47.jpg"), Path.Combine(dataset, "webp_named_jpg.jpg"));
        File.Copy(TestPaths.DataFile("faces", "deepface", "selfie-many-people.jpg"), Path.Combine(dataset, "group.jpg"));
        var library = tmp.Sub("library");
        var result = CliRunner.Run("index", dataset, "--library", library, "--licence", "MIT (test data)", "--dataset", "mixed", "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var s = doc.RootElement.GetProperty("summary");
        Assert.Equal(7, s.GetProperty("total").GetInt32());
        Assert.Equal(5, s.GetProperty("failed").GetInt32());
        Assert.True(s.GetProperty("faces").GetInt32() >= 4, "the WebP portrait and the group photo have faces");
        var reasons = s.GetProperty("failuresByReason");
        Assert.True(reasons.EnumerateObject().Count() >= 3, reasons.ToString());

        var info = CliRunner.Run("info", "--library", library, "--errors", "--json");
        Assert.Contains("truncated.jpg", info.Stdout, StringComparison.Ordinal);
        Assert.Contains("huge_30000x30000.png", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_dataset_without_a_licence_is_refused_with_how_to_state_one()
    {
        using var tmp = new TempDir();
        var dataset = tmp.Sub("nolicence");
        Directory.CreateDirectory(dataset);
        File.Copy(TestPaths.DataFile("faces", "deepface", "target.jpg"), Path.Combine(dataset, "a.jpg"));
        var result = CliRunner.Run("index", dataset, "--library", tmp.Sub("library"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("--licence", result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Kill_9_at_random_moments_then_rerun_gives_the_same_catalog_as_an_unkilled_run()
    {
        using var tmp = new TempDir();
        var dataset = tmp.Sub("set");
        Datasets.CopySample(dataset);
        foreach (var name in new[] { "img17.jpg", "target.jpg", "selfie-many-people.jpg" })
        {
            Directory.CreateDirectory(Path.Combine(dataset, "deepface"));
            File.Copy(TestPaths.DataFile("faces", "deepface", name), Path.Combine(dataset, "deepface", name));
        }

        var clean = tmp.Sub("clean");
        Assert.Equal(0, CliRunner.Run("index", dataset, "--library", clean, "--json").ExitCode);

        var killed = tmp.Sub("killed");
        var random = new Random(7);
        for (var attempt = 0; attempt < 4; attempt++)
        {
            using var process = CliRunner.Start("index", dataset, "--library", killed, "--json");
            Thread.Sleep(TimeSpan.FromMilliseconds(1500 + random.Next(4000)));
            if (!process.HasExited)
            {
                process.Kill(entireProcessTree: true);
            }

            process.WaitForExit();
        }

        var final = CliRunner.Run("index", dataset, "--library", killed, "--json");
        Assert.True(final.ExitCode == 0, final.ToString());
        var expected = Snapshot(clean);
        var actual = Snapshot(killed);
        Assert.Equal(expected.Keys.Order(StringComparer.Ordinal), actual.Keys.Order(StringComparer.Ordinal));
        foreach (var (path, faces) in expected)
        {
            Assert.Equal(faces.Select(f => f.Box), actual[path].Select(f => f.Box));
            for (var i = 0; i < faces.Count; i++)
            {
                var a = faces[i].Embedding;
                var b = actual[path][i].Embedding;
                Assert.True(a.Zip(b).All(p => Math.Abs(p.First - p.Second) < 1e-4f), $"{path} face {i}: embeddings differ");
            }
        }

        var info = CliRunner.Run("info", "--library", killed, "--json");
        Assert.Contains("\"integrity\": \"ok\"", info.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_indexer_on_the_same_library_refuses_with_a_clear_message()
    {
        using var tmp = new TempDir();
        var dataset = Datasets.CopySample(tmp.Sub("sample"));
        var library = tmp.Sub("library");
        using var first = CliRunner.Start("index", dataset, "--library", library, "--json");
        var stopwatch = Stopwatch.StartNew();
        while (!File.Exists(Path.Combine(library, "catalog.db")) && stopwatch.Elapsed < TimeSpan.FromSeconds(60))
        {
            Thread.Sleep(100);
        }

        var second = CliRunner.Run("index", dataset, "--library", library, "--json");
        first.WaitForExit();
        if (first.ExitCode == 0 && second.ExitCode == 0)
        {
            // The first finished before the second started: nothing to refuse. The lock itself is tested in Core.Tests.
            return;
        }

        Assert.Equal(0, first.ExitCode);
        Assert.Equal(1, second.ExitCode);
        Assert.Contains("library", second.Stderr, StringComparison.OrdinalIgnoreCase);
    }

    private static Dictionary<string, List<(string Box, float[] Embedding)>> Snapshot(string library)
    {
        using var connection = new SqliteConnection($"Data Source={Path.Combine(library, "catalog.db")};Mode=ReadOnly;Pooling=False");
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "SELECT i.rel_path, f.box_l, f.box_t, f.box_r, f.box_b, f.embedding FROM images i LEFT JOIN faces f ON f.image_id = i.id ORDER BY i.rel_path, f.face_index";
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<string, List<(string, float[])>>(StringComparer.Ordinal);
        while (r.Read())
        {
            var list = map.TryGetValue(r.GetString(0), out var l) ? l : map[r.GetString(0)] = [];
            if (r.IsDBNull(1))
            {
                continue;
            }

            var bytes = (byte[])r.GetValue(5);
            var e = new float[bytes.Length / 4];
            Buffer.BlockCopy(bytes, 0, e, 0, bytes.Length);
            list.Add(($"{r.GetInt32(1)},{r.GetInt32(2)},{r.GetInt32(3)},{r.GetInt32(4)}", e));
        }

        return map;
    }
}
