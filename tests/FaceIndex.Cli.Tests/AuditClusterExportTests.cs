using System.Text.Json;
using FaceIndex.Tests;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Cli.Tests;

/// <summary>
/// audit, cluster, export and verified removal on real photos with planted errors: a copy under a second name, a
/// resized re-encoded copy under another name, a swapped label, two people under one name, people shared by two datasets.
/// </summary>
public sealed class AuditClusterExportTests : IClassFixture<AuditClusterExportTests.Planted>
{
    private readonly Planted _p;

    public AuditClusterExportTests(Planted planted) => _p = planted;

    [Fact]
    public void Audit_finds_each_planted_error_and_ranks_it_above_the_clean_faces()
    {
        var result = CliRunner.Run("audit", "--dataset", "planted", "--against", "merged", "--library", _p.Library, "--json", "--report", Path.Combine(_p.Root, "report"));
        Assert.True(result.ExitCode == 0, result.ToString());
        var findings = Findings(result.Stdout);

        var copy = Assert.Single(findings, f => f.Kind == "duplicate" && f.Confidence == 1.0 && f.Images.Contains("deepface_target/obama_copy.jpg") && f.Images.Contains("obama/obama.jpg"));
        Assert.Equal(1.0, copy.Confidence);
        Assert.Contains("different labels", copy.Summary, StringComparison.Ordinal);
        Assert.Single(findings, f => f.Kind == "duplicate" && f.Images.Contains("kit_harington/rose_small.jpg") && f.Images.Contains("rose_leslie/img2.jpg"));
        var swapped = Assert.Single(findings, f => f.Kind == "mislabelled" && f.Images[0] == "rose_leslie/obama2.jpg");
        Assert.Equal("obama", swapped.Suggestion);
        Assert.Contains(findings, f => f.Kind == "overlap" && f.Images[0].StartsWith("obama/", StringComparison.Ordinal) && f.Suggestion == "someone");
        Assert.Contains(findings, f => f.Kind == "overlap" && f.Images[0].StartsWith("rose_leslie/", StringComparison.Ordinal) && f.Suggestion == "someone");

        // Nothing says a clean face (kit's own photo, rose's own photos, the target portrait) is mislabelled or a duplicate.
        string[] clean = ["kit_harington/john2.jpeg", "rose_leslie/img1.jpg", "deepface_target/target.jpg"];
        Assert.DoesNotContain(findings, f => f.Kind is "mislabelled" or "duplicate" or "outlier" && clean.Contains(f.Images[0]));
        var planted = findings.Where(f => f.Kind is "duplicate" or "mislabelled" or "overlap").ToList();
        var others = findings.Where(f => f.Kind is "outlier" or "twoLabelsOnePerson" or "oneLabelTwoPeople").ToList();
        Assert.True(others.Count == 0 || planted.Min(f => f.Confidence) > others.Max(f => f.Confidence), result.Stdout);

        var page = File.ReadAllText(Path.Combine(_p.Root, "report", "audit.html"));
        Assert.Contains("data:image/jpeg;base64,", page, StringComparison.Ordinal);
        Assert.Contains("same person below", page, StringComparison.Ordinal);
        Assert.True(File.Exists(Path.Combine(_p.Root, "report", "findings.csv")));
    }

    [Fact]
    public void Audit_finds_two_people_under_one_name()
    {
        var result = CliRunner.Run("audit", "--dataset", "merged", "--library", _p.Library, "--json", "--no-sharpness");
        Assert.True(result.ExitCode == 0, result.ToString());
        var split = Assert.Single(Findings(result.Stdout), f => f.Kind == "oneLabelTwoPeople");
        Assert.Contains("someone", split.Summary, StringComparison.Ordinal);
        Assert.Equal(4, split.Images.Count);
    }

    [Fact]
    public void Audit_finds_a_group_photo_whose_subject_is_not_the_labelled_person()
    {
        var result = CliRunner.Run("audit", "--dataset", "subject", "--library", _p.Library, "--json", "--no-sharpness");
        Assert.True(result.ExitCode == 0, result.ToString());
        var findings = Findings(result.Stdout);
        var wrong = Assert.Single(findings, f => f.Kind == "wrongSubject");
        Assert.Equal("rose_leslie/kit_with_rose.jpg", wrong.Images[0]);
        Assert.Equal("rose_leslie/kit_with_rose.jpg", wrong.Images[1]);
        Assert.DoesNotContain(findings, f => f.Kind != "wrongSubject" && f.Kind != "lowQuality" && f.Images[0] != "rose_leslie/kit_with_rose.jpg");
    }

    [Fact]
    public void Audit_finds_one_person_under_two_names()
    {
        var result = CliRunner.Run("audit", "--dataset", "renamed", "--library", _p.Library, "--json", "--no-sharpness");
        Assert.True(result.ExitCode == 0, result.ToString());
        var pairs = Findings(result.Stdout).Where(f => f.Kind == "twoLabelsOnePerson").Select(f => f.Summary).ToList();
        Assert.Equal(2, pairs.Count);
        Assert.Contains(pairs, p => p.StartsWith("barack_obama (1) and obama (1)", StringComparison.Ordinal));
        Assert.Contains(pairs, p => p.StartsWith("rose (1) and rose_leslie (1)", StringComparison.Ordinal));
    }

    [Fact]
    public void Cluster_groups_the_faces_by_person_without_their_labels_and_scores_against_them()
    {
        var outDir = Path.Combine(_p.Root, "clusters");
        var result = CliRunner.Run("cluster", "--dataset", "merged", "--library", _p.Library, "--json", "--out", outDir, "--subjects");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var clusters = doc.RootElement.GetProperty("clusters").EnumerateArray()
            .Select(c => (Id: c.GetProperty("id").GetInt32(), Images: c.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("imagePath").GetString()!).Order().ToList()))
            .ToList();
        Assert.Contains(clusters, c => c.Id >= 0 && c.Images.SequenceEqual(["someone/obama.jpg", "someone/obama2.jpg"]));
        Assert.Contains(clusters, c => c.Id >= 0 && c.Images.SequenceEqual(["someone/img1.jpg", "someone/img2.jpg"]));

        // All four are labelled "someone": two clusters for one label is pairwise precision 1, recall 2/6.
        var m = doc.RootElement.GetProperty("metrics");
        Assert.Equal(1.0, m.GetProperty("pairwisePrecision").GetDouble(), 6);
        Assert.Equal(2.0 / 6, m.GetProperty("pairwiseRecall").GetDouble(), 6);
        Assert.Contains("face_id,cluster", File.ReadAllText(Path.Combine(outDir, "clusters.csv")), StringComparison.Ordinal);
        Assert.Contains("data:image/jpeg;base64,", File.ReadAllText(Path.Combine(outDir, "clusters.html")), StringComparison.Ordinal);
    }

    [Fact]
    public void Export_reads_back_and_a_verified_removal_finds_no_trace_but_flags_an_older_export()
    {
        using var tmp = new TempDir();
        var dataset = Datasets.CopySample(tmp.Sub("sample"));
        var library = tmp.Sub("library");
        Assert.Equal(0, CliRunner.Run("index", dataset, "--library", library, "--json").ExitCode);
        var npy = Path.Combine(tmp.Path, "out", "sample.npy");
        var export = CliRunner.Run("export", "--dataset", "sample", "--format", "npy", "--out", npy, "--library", library, "--json");
        Assert.True(export.ExitCode == 0, export.ToString());
        var rows = FaceIndex.Export.EmbeddingExporter.Read(npy, FaceIndex.Export.ExportFormat.Npy);
        Assert.Equal(7, rows.Count);
        Assert.Contains(rows, r => r.Identity == "obama" && r.IsSubject && r.Embedding.Length == 128);

        var removed = CliRunner.Run("remove", "--dataset", "sample", "--identity", "obama", "--verify", "--cache", tmp.Sub("cache"), "--library", library, "--json");
        Assert.Equal(1, removed.ExitCode);
        using (var doc = JsonDocument.Parse(removed.Stdout))
        {
            var places = doc.RootElement.GetProperty("verification").GetProperty("places").EnumerateArray().ToList();
            Assert.All(places.Where(p => !p.GetProperty("what").GetString()!.StartsWith("export", StringComparison.Ordinal)), p => Assert.Equal(0, p.GetProperty("found").GetInt32()));
            Assert.Contains(places, p => p.GetProperty("path").GetString() == npy && p.GetProperty("found").GetInt32() == 2);
            Assert.Contains(places, p => p.GetProperty("path").GetString()!.EndsWith("catalog.db", StringComparison.Ordinal));
            Assert.Contains(places, p => p.GetProperty("path").GetString()!.EndsWith("faces.ann", StringComparison.Ordinal));
        }

        File.Delete(npy);
        File.Delete(FaceIndex.Export.EmbeddingExporter.LabelsPathFor(npy));
        var parquet = Path.Combine(tmp.Path, "out", "after.parquet");
        Assert.Equal(0, CliRunner.Run("export", "--dataset", "sample", "--format", "parquet", "--out", parquet, "--library", library).ExitCode);
        Assert.DoesNotContain(FaceIndex.Export.EmbeddingExporter.Read(parquet, FaceIndex.Export.ExportFormat.Parquet), r => r.Identity == "obama");
        var info = CliRunner.Run("info", "--library", library, "--json", "--cache", tmp.Sub("cache"));
        Assert.True(info.ExitCode == 0, info.ToString());
        using var infoDoc = JsonDocument.Parse(info.Stdout);
        var traces = infoDoc.RootElement.GetProperty("removalTraces");
        Assert.Equal(2, traces.GetProperty("removedFaces").GetInt32());
        Assert.True(traces.GetProperty("clean").GetBoolean(), info.Stdout);
    }

    [SkippableFact]
    public void On_the_development_photos_every_planted_error_is_found()
    {
        var faces = TestPaths.RequireShared("faces", "deepface", "identities.csv");
        using var tmp = new TempDir();
        var main = tmp.Sub("main");
        foreach (var line in File.ReadLines(faces).Skip(1))
        {
            var parts = line.Trim().Split(',');
            var dir = Path.Combine(main, "p" + int.Parse(parts[1], System.Globalization.CultureInfo.InvariantCulture).ToString("D2", System.Globalization.CultureInfo.InvariantCulture));
            Directory.CreateDirectory(dir);
            File.Copy(TestPaths.SharedFile("faces", "deepface", parts[0]), Path.Combine(dir, parts[0]));
        }

        File.Copy(Path.Combine(main, "p00", "img1.jpg"), Path.Combine(main, "p03", "img1_copy.jpg"));
        Resized(Path.Combine(main, "p01", "img12.jpg"), Path.Combine(main, "p04", "img12_small.jpg"), 0.6);
        File.Move(Path.Combine(main, "p09", "img26.jpg"), Path.Combine(main, "p10", "img26.jpg"));
        foreach (var f in Directory.GetFiles(Path.Combine(main, "p12")))
        {
            File.Move(f, Path.Combine(main, "p11", Path.GetFileName(f)));
        }

        Directory.Delete(Path.Combine(main, "p12"));
        var library = tmp.Sub("library");
        var index = CliRunner.Run("index", main, "--dataset", "dev", "--licence", "MIT (deepface test photos)", "--layout", "identity-folders", "--library", library, "--json");
        Assert.True(index.ExitCode == 0, index.ToString());
        var audit = CliRunner.Run("audit", "--dataset", "dev", "--library", library, "--json", "--no-sharpness");
        Assert.True(audit.ExitCode == 0, audit.ToString());
        var findings = Findings(audit.Stdout);
        Assert.Contains(findings, f => f.Kind == "duplicate" && f.Images.Contains("p03/img1_copy.jpg") && f.Confidence == 1.0);
        Assert.Contains(findings, f => f.Kind == "duplicate" && f.Images.Contains("p04/img12_small.jpg"));
        Assert.Contains(findings, f => f.Kind == "mislabelled" && f.Images[0] == "p10/img26.jpg" && f.Suggestion == "p09");
        Assert.Contains(findings, f => f.Kind == "oneLabelTwoPeople" && f.Summary.StartsWith("p11", StringComparison.Ordinal));

        // Every label finding is about a planted error.
        string[] planted = ["p03/img1_copy.jpg", "p04/img12_small.jpg", "p01/img12.jpg", "p00/img1.jpg", "p10/img26.jpg"];
        Assert.All(findings.Where(f => f.Kind is "duplicate" or "mislabelled" or "outlier" or "twoLabelsOnePerson"), f => Assert.Contains(f.Images[0], planted));
    }

    private static void Resized(string from, string to, double scale)
    {
        using var image = Image.Load(from);
        image.Mutate(x => x.Resize((int)(image.Width * scale), (int)(image.Height * scale)));
        image.SaveAsJpeg(to, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 70 });
    }

    private static List<Finding> Findings(string json)
    {
        using var doc = JsonDocument.Parse(json);
        return [.. doc.RootElement.GetProperty("findings").EnumerateArray().Select(f => new Finding(
            f.GetProperty("kind").GetString()!,
            f.GetProperty("confidence").GetDouble(),
            f.GetProperty("summary").GetString()!,
            [.. f.GetProperty("faces").EnumerateArray().Select(x => x.GetProperty("imagePath").GetString()!)],
            f.TryGetProperty("suggestion", out var s) && s.ValueKind == JsonValueKind.String ? s.GetString() : null))];
    }

    private sealed record Finding(string Kind, double Confidence, string Summary, List<string> Images, string? Suggestion);

    /// <summary>Two datasets built once from the committed photos, indexed into one library.</summary>
    public sealed class Planted : IDisposable
    {
        private readonly TempDir _tmp = new();

        public Planted()
        {
            Root = _tmp.Path;
            var faces = TestPaths.DataFile("faces");
            var planted = _tmp.Sub("planted");
            void Put(string from, string to)
            {
                var target = System.IO.Path.Combine(planted, to);
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(target)!);
                File.Copy(System.IO.Path.Combine(faces, from), target);
            }

            Put("face_recognition/obama/obama.jpg", "obama/obama.jpg");
            Put("face_recognition/obama/obama_small.jpg", "obama/obama_small.jpg");
            Put("face_recognition/rose_leslie/img1.jpg", "rose_leslie/img1.jpg");
            Put("face_recognition/rose_leslie/img2.jpg", "rose_leslie/img2.jpg");
            Put("queries/obama2.jpg", "rose_leslie/obama2.jpg");
            Put("face_recognition/kit_harington/john2.jpeg", "kit_harington/john2.jpeg");
            Resized(System.IO.Path.Combine(faces, "face_recognition/rose_leslie/img2.jpg"), System.IO.Path.Combine(planted, "kit_harington/rose_small.jpg"), 0.7);
            Put("deepface/target.jpg", "deepface_target/target.jpg");
            Put("face_recognition/obama/obama.jpg", "deepface_target/obama_copy.jpg");

            var merged = _tmp.Sub("merged");
            Directory.CreateDirectory(System.IO.Path.Combine(merged, "someone"));
            File.Copy(System.IO.Path.Combine(faces, "face_recognition/obama/obama.jpg"), System.IO.Path.Combine(merged, "someone/obama.jpg"));
            File.Copy(System.IO.Path.Combine(faces, "queries/obama2.jpg"), System.IO.Path.Combine(merged, "someone/obama2.jpg"));
            File.Copy(System.IO.Path.Combine(faces, "face_recognition/rose_leslie/img1.jpg"), System.IO.Path.Combine(merged, "someone/img1.jpg"));
            File.Copy(System.IO.Path.Combine(faces, "face_recognition/rose_leslie/img2.jpg"), System.IO.Path.Combine(merged, "someone/img2.jpg"));

            // Kit and Rose in one photo, filed under rose_leslie: the subject rule (the face nearest the centre) picks Kit.
            var subject = _tmp.Sub("subject");
            Directory.CreateDirectory(System.IO.Path.Combine(subject, "rose_leslie"));
            foreach (var f in new[] { "rose_leslie/img1.jpg", "rose_leslie/img2.jpg", "kit_harington/kit_with_rose.jpg" })
            {
                File.Copy(System.IO.Path.Combine(faces, "face_recognition", f), System.IO.Path.Combine(subject, "rose_leslie", System.IO.Path.GetFileName(f)));
            }

            // One person under two names, twice.
            var renamed = _tmp.Sub("renamed");
            foreach (var (from, to) in new[] { ("face_recognition/obama/obama.jpg", "obama/obama.jpg"), ("queries/obama2.jpg", "barack_obama/obama2.jpg"), ("face_recognition/rose_leslie/img1.jpg", "rose_leslie/img1.jpg"), ("face_recognition/rose_leslie/img2.jpg", "rose/img2.jpg"), ("face_recognition/kit_harington/john2.jpeg", "kit_harington/john2.jpeg") })
            {
                Directory.CreateDirectory(System.IO.Path.GetDirectoryName(System.IO.Path.Combine(renamed, to))!);
                File.Copy(System.IO.Path.Combine(faces, from), System.IO.Path.Combine(renamed, to));
            }

            Library = _tmp.Sub("library");
            foreach (var (dir, name) in new[] { (planted, "planted"), (merged, "merged"), (subject, "subject"), (renamed, "renamed") })
            {
                var run = CliRunner.Run("index", dir, "--dataset", name, "--licence", "MIT (test photos)", "--layout", "identity-folders", "--library", Library, "--json");
                if (run.ExitCode != 0)
                {
                    throw new InvalidOperationException(run.ToString());
                }
            }
        }

        public string Root { get; }

        public string Library { get; }

        public void Dispose() => _tmp.Dispose();
    }
}
