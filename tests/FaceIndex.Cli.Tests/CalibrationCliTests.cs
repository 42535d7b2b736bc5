using System.Globalization;
using System.Text.Json;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>
/// Thresholds, groups and unknown people end to end on the committed photos: calibrate, the threshold in force in verify, query and
/// info, identity templates, the open set, per-pair scores, worst errors and per-group figures.
/// </summary>
public sealed class CalibrationCliTests : IClassFixture<CalibrationCliTests.Library>
{
    private readonly Library _lib;

    public CalibrationCliTests(Library lib) => _lib = lib;

    private static string Faces => TestPaths.DataFile("faces");

    private static string Photo(params string[] parts) => TestPaths.DataFile(["faces", .. parts]);

    [Fact]
    public void Calibrate_stores_a_threshold_that_info_shows_and_verify_and_query_use_until_overridden()
    {
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        Datasets.CopyTree(_lib.LibraryPath, library);
        var calibrate = CliRunner.Run("calibrate", _lib.Pairs, "--root", Faces, "--far", "0.2", "--use", "accuracy", "--bootstrap", "200", "--cache", tmp.Sub("cache"), "--library", library, "--json");
        Assert.True(calibrate.ExitCode == 0, calibrate.ToString());
        double threshold;
        using (var doc = JsonDocument.Parse(calibrate.Stdout))
        {
            threshold = doc.RootElement.GetProperty("threshold").GetDouble();
            Assert.Equal("accuracy", doc.RootElement.GetProperty("chosen").GetString());
            var result = doc.RootElement.GetProperty("result");
            Assert.Equal(3, result.GetProperty("genuinePairs").GetInt32());
            Assert.Equal(5, result.GetProperty("impostorPairs").GetInt32());
            var far = result.GetProperty("points")[0];
            Assert.Contains("few impostor pairs for FAR 0.2: the threshold rests on 1 false accept(s) of 5", far.GetProperty("note").GetString(), StringComparison.Ordinal);
            var best = result.GetProperty("points")[1];
            Assert.Equal(1.0, best.GetProperty("accuracy").GetDouble());
            Assert.InRange(threshold, best.GetProperty("ciLow").GetDouble(), best.GetProperty("ciHigh").GetDouble());
        }

        var info = CliRunner.Run("info", "--library", library);
        Assert.True(info.ExitCode == 0, info.ToString());
        Assert.Contains(threshold.ToString("0.####", CultureInfo.InvariantCulture) + " (accuracy on pairs file pairs.csv", info.Stdout, StringComparison.Ordinal);

        var verify = CliRunner.Run("verify", Photo("face_recognition", "obama", "obama.jpg"), Photo("queries", "obama2.jpg"), "--library", library, "--json");
        Assert.True(verify.ExitCode == 0, verify.ToString());
        using (var doc = JsonDocument.Parse(verify.Stdout))
        {
            Assert.Equal(threshold, doc.RootElement.GetProperty("threshold").GetDouble(), 9);
            Assert.Equal("calibratedForModel", doc.RootElement.GetProperty("thresholdSource").GetString());
            Assert.True(doc.RootElement.GetProperty("same").GetBoolean());
        }

        var given = CliRunner.Run("verify", Photo("face_recognition", "obama", "obama.jpg"), Photo("queries", "obama2.jpg"), "--library", library, "--threshold", "0.2");
        Assert.True(given.ExitCode == 0, given.ToString());
        Assert.Contains("different people", given.Stdout, StringComparison.Ordinal);
        Assert.Contains("threshold 0.2, given", given.Stdout, StringComparison.Ordinal);

        var query = CliRunner.Run("query", Photo("queries", "obama2.jpg"), "-k", "2", "--library", library);
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("calibrated for dlib-resnet29-v1", query.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_names_nobody_for_a_stranger_and_ranks_identities_by_template()
    {
        // img17 (deepface) is nobody in the sample: its nearest face is about 0.8 away.
        var stranger = CliRunner.Run("query", Photo("deepface", "img17.jpg"), "-k", "2", "--library", _lib.LibraryPath, "--threshold", "0.6");
        Assert.True(stranger.ExitCode == 0, stranger.ToString());
        Assert.Contains("no indexed identity", stranger.Stdout, StringComparison.Ordinal);
        Assert.Contains("same person below distance 0.6, given", stranger.Stdout, StringComparison.Ordinal);

        var known = CliRunner.Run("query", Photo("queries", "obama2.jpg"), "--by", "identity", "--template", "mean", "--library", _lib.LibraryPath, "--json");
        Assert.True(known.ExitCode == 0, known.ToString());
        using var doc = JsonDocument.Parse(known.Stdout);
        Assert.Equal("mean", doc.RootElement.GetProperty("template").GetString());
        var face = doc.RootElement.GetProperty("faces")[0];
        Assert.False(face.GetProperty("noIndexedIdentity").GetBoolean());
        var hits = face.GetProperty("hits");
        Assert.Equal(3, hits.GetArrayLength());
        Assert.Equal("obama", hits[0].GetProperty("identity").GetString());
        Assert.Equal(2, hits[0].GetProperty("faces").GetInt32());
        Assert.True(hits[0].GetProperty("score").GetSingle() < hits[1].GetProperty("score").GetSingle());
        Assert.Equal("default", doc.RootElement.GetProperty("threshold").GetProperty("origin").GetString());
    }

    [Fact]
    public void Eval_identify_compares_the_templates_on_an_open_set_and_reports_per_group()
    {
        using var tmp = new TempDir();
        var groups = tmp.Sub("groups.csv");
        File.WriteAllLines(groups, ["identity,group", "obama,g1", "kit_harington,g2", "rose_leslie,g2"]);
        var report = tmp.Sub("report");
        var run = CliRunner.Run("eval", "identify", "--dataset", "sample", "--library", _lib.LibraryPath, "--search", "exact", "--unknown-fraction", "0.34", "--threshold", "0.6", "--groups", groups, "--report", report, "--json");
        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var results = doc.RootElement.GetProperty("openSet").GetProperty("results");
        Assert.Equal(["max", "topK", "mean"], results.EnumerateArray().Select(r => r.GetProperty("template").GetString()));
        foreach (var r in results.EnumerateArray())
        {
            // 3 identities x 2 photos: one held out (2 strangers), 4 enrolled faces each probed without itself.
            Assert.Equal(4, r.GetProperty("matedProbes").GetInt32());
            Assert.Equal(2, r.GetProperty("nonMatedProbes").GetInt32());
            Assert.Equal(1.0, r.GetProperty("rank1").GetDouble());
            Assert.Equal(0.0, r.GetProperty("atThreshold").GetProperty("fpir").GetDouble());
        }

        Assert.Equal(2, doc.RootElement.GetProperty("groups").GetArrayLength());
        Assert.True(new FileInfo(Path.Combine(report, "det.png")).Length > 1000);
        var md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("Identity templates and the open set", md, StringComparison.Ordinal);
        Assert.Contains("Identification per group", md, StringComparison.Ordinal);
    }

    [Fact]
    public void Eval_verify_writes_every_pair_the_worst_errors_and_the_group_figures()
    {
        using var tmp = new TempDir();
        var groups = tmp.Sub("groups.csv");
        File.WriteAllLines(groups, ["key,group", "face_recognition/obama/obama.jpg,g1", "queries/obama2.jpg,g1", "face_recognition/obama/obama_small.jpg,g1", "rose_leslie,g2", "kit_harington,g2"]);
        var scores = tmp.Sub("scores.csv");
        var report = tmp.Sub("report");
        var run = CliRunner.Run("eval", "verify", _lib.Pairs, "--root", Faces, "--cache", tmp.Sub("cache"), "--scores", scores, "--groups", groups, "--far", "0.5", "--report", report);
        Assert.True(run.ExitCode == 0, run.ToString());
        var lines = File.ReadAllLines(scores);
        Assert.Equal(9, lines.Length);
        Assert.Equal("index,fold,label,a,b,score,threshold,decision,correct,source_a,source_b", lines[0]);
        Assert.All(lines.Skip(1), l => Assert.EndsWith(",detected,detected", l, StringComparison.Ordinal));
        Assert.Contains("0,0,same,face_recognition/obama/obama.jpg,queries/obama2.jpg,", lines[1], StringComparison.Ordinal);

        var md = File.ReadAllText(Path.Combine(report, "report.md"));
        Assert.Contains("## The worst errors", md, StringComparison.Ordinal);
        Assert.Contains("## Accuracy per group", md, StringComparison.Ordinal);
        Assert.Contains("| (across groups) |", md, StringComparison.Ordinal);
        Assert.Contains("too few", md, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(report, "groups-far-0.5.png")));
        Assert.Contains("per group", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("accuracy at the threshold in force", run.Stdout, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void The_development_sets_calibrate_through_the_pairs_file_and_the_dataset()
    {
        var deepface = TestPaths.RequireShared("faces", "deepface");
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var pairs = CliRunner.Run("calibrate", Path.Combine(deepface, "master.csv"), "--root", deepface, "--bootstrap", "200", "--cache", tmp.Sub("cache"), "--library", library, "--json");
        Assert.True(pairs.ExitCode == 0, pairs.ToString());
        using (var doc = JsonDocument.Parse(pairs.Stdout))
        {
            var result = doc.RootElement.GetProperty("result");
            Assert.Equal((38, 262), (result.GetProperty("genuinePairs").GetInt32(), result.GetProperty("impostorPairs").GetInt32()));

            // 262 impostor pairs cannot show FAR 1e-3, so FAR 1e-2 is put in force; dlib's 0.6 misses one same-person pair there.
            Assert.False(result.GetProperty("points")[1].GetProperty("enoughImpostors").GetBoolean());
            Assert.Equal("far 0.01", doc.RootElement.GetProperty("chosen").GetString());
            Assert.InRange(doc.RootElement.GetProperty("threshold").GetDouble(), 0.55, 0.75);
            Assert.True(result.GetProperty("atDefault").GetProperty("tar").GetDouble() < 1);
        }

        var index = CliRunner.Run("index", deepface, "--dataset", "deepface", "--licence", "MIT", "--manifest", "identities.csv", "--library", library, "--json");
        Assert.True(index.ExitCode == 0, index.ToString());
        var dataset = CliRunner.Run("calibrate", "--dataset", "deepface", "--for-dataset", "deepface", "--use", "accuracy", "--bootstrap", "200", "--library", library, "--json");
        Assert.True(dataset.ExitCode == 0, dataset.ToString());
        using var ds = JsonDocument.Parse(dataset.Stdout);
        Assert.Equal(1690, ds.RootElement.GetProperty("result").GetProperty("impostorPairs").GetInt32());
        var t = ds.RootElement.GetProperty("threshold").GetDouble();

        var query = CliRunner.Run("query", Path.Combine(deepface, "img1.jpg"), "--dataset", "deepface", "-k", "1", "--library", library, "--json");
        Assert.True(query.ExitCode == 0, query.ToString());
        using var q = JsonDocument.Parse(query.Stdout);
        Assert.Equal("calibratedForDataset", q.RootElement.GetProperty("threshold").GetProperty("origin").GetString());
        Assert.Equal(t, q.RootElement.GetProperty("threshold").GetProperty("value").GetDouble(), 9);
    }

    /// <summary>The committed sample indexed once, and a pairs file over the committed photos.</summary>
    public sealed class Library : IDisposable
    {
        private readonly TempDir _tmp = new();

        public Library()
        {
            LibraryPath = _tmp.Sub("library");
            var index = CliRunner.Run("index", Datasets.CopySample(_tmp.Sub("sample")), "--library", LibraryPath, "--json");
            if (index.ExitCode != 0)
            {
                throw new InvalidOperationException(index.ToString());
            }

            Pairs = _tmp.Sub("pairs.csv");
            File.WriteAllLines(Pairs,
            [
                "a,b,same",
                "face_recognition/obama/obama.jpg,queries/obama2.jpg,1",
                "face_recognition/obama/obama.jpg,face_recognition/obama/obama_small.jpg,1",
                "face_recognition/rose_leslie/img1.jpg,face_recognition/rose_leslie/img2.jpg,1",
                "face_recognition/obama/obama.jpg,face_recognition/rose_leslie/img1.jpg,0",
                "queries/obama2.jpg,face_recognition/kit_harington/john2.jpeg,0",
                "face_recognition/rose_leslie/img2.jpg,face_recognition/kit_harington/john2.jpeg,0",
                "face_recognition/obama/obama_small.jpg,face_recognition/rose_leslie/img2.jpg,0",
                "queries/obama2.jpg,face_recognition/rose_leslie/img1.jpg,0",
            ]);
        }

        public string LibraryPath { get; }

        public string Pairs { get; }

        public void Dispose() => _tmp.Dispose();
    }
}
