using System.Text.Json;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>eval verify end to end on committed photos: metrics, report files, and the embedding cache.</summary>
public sealed class EvalTests
{
    [Fact]
    public void Eval_verify_writes_a_report_and_a_second_run_reuses_the_cached_embeddings()
    {
        using var tmp = new TempDir();
        var root = TestPaths.DataFile("faces");
        var pairs = tmp.Sub("pairs.csv");
        File.WriteAllLines(pairs,
        [
            "a,b,same",
            "face_recognition/obama/obama.jpg,queries/obama2.jpg,1",
            "face_recognition/obama/obama.jpg,face_recognition/obama/obama_small.jpg,1",
            "face_recognition/rose_leslie/img1.jpg,face_recognition/rose_leslie/img2.jpg,1",
            "face_recognition/obama/obama.jpg,face_recognition/rose_leslie/img1.jpg,0",
            "queries/obama2.jpg,face_recognition/kit_harington/john2.jpeg,0",
            "face_recognition/rose_leslie/img2.jpg,face_recognition/kit_harington/john2.jpeg,0",
        ]);
        var cache = tmp.Sub("cache");
        var report = tmp.Sub("report");
        var first = CliRunner.Run("eval", "verify", pairs, "--root", root, "--cache", cache, "--report", report, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());
        using (var doc = JsonDocument.Parse(first.Stdout))
        {
            var v = doc.RootElement.GetProperty("verification");
            Assert.Equal(6, v.GetProperty("pairCount").GetInt32());
            Assert.Equal(1.0, v.GetProperty("auc").GetDouble(), 6);
            Assert.Equal("0", doc.RootElement.GetProperty("run").GetProperty("settings").GetProperty("cacheHits").GetString());
        }

        Assert.True(File.Exists(Path.Combine(report, "report.md")));
        Assert.True(new FileInfo(Path.Combine(report, "roc.png")).Length > 1000);
        Assert.True(new FileInfo(Path.Combine(report, "scores.png")).Length > 1000);
        var markdown = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("What is known to cost accuracy", markdown, StringComparison.Ordinal);
        Assert.Contains("sha256", markdown, StringComparison.Ordinal);

        var second = CliRunner.Run("eval", "verify", pairs, "--root", root, "--cache", cache, "--metric", "cosine", "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        using var again = JsonDocument.Parse(second.Stdout);
        var settings = again.RootElement.GetProperty("run").GetProperty("settings");
        Assert.Equal(settings.GetProperty("images").GetString(), settings.GetProperty("cacheHits").GetString());
        Assert.Equal(1.0, again.RootElement.GetProperty("verification").GetProperty("auc").GetDouble(), 6);
    }
}
