using System.Text.Json;

using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>The main job end to end through the CLI: index a licensed dataset, query it by photo, remove, re-index.</summary>
public sealed class IndexAndQueryTests : IClassFixture<IndexAndQueryTests.SampleLibrary>
{
    private readonly SampleLibrary _sample;

    public IndexAndQueryTests(SampleLibrary sample) => _sample = sample;

    [Fact]
    public void Indexing_records_every_image_with_its_identity_and_licence()
    {
        Assert.True(_sample.FirstRun.ExitCode == 0, _sample.FirstRun.ToString());
        using var summary = JsonDocument.Parse(_sample.FirstRun.Stdout);
        var s = summary.RootElement.GetProperty("summary");
        Assert.Equal(6, s.GetProperty("total").GetInt32());
        Assert.Equal(6, s.GetProperty("processed").GetInt32());
        Assert.Equal(0, s.GetProperty("failed").GetInt32());
        Assert.True(s.GetProperty("faces").GetInt32() >= 7, "kit_with_rose.jpg holds two faces");

        var datasets = CliRunner.Run("datasets", "--library", _sample.Library, "--json");
        Assert.True(datasets.ExitCode == 0, datasets.ToString());
        Assert.Contains("\"licence\": \"MIT\"", datasets.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"name\": \"sample\"", datasets.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_second_run_skips_every_unchanged_image()
    {
        Assert.True(_sample.SecondRun.ExitCode == 0, _sample.SecondRun.ToString());
        using var summary = JsonDocument.Parse(_sample.SecondRun.Stdout);
        var s = summary.RootElement.GetProperty("summary");
        Assert.Equal(6, s.GetProperty("skipped").GetInt32());
        Assert.Equal(0, s.GetProperty("processed").GetInt32());

        // Nothing changed, so the face index is kept as it was, not rebuilt.
        using var first = JsonDocument.Parse(_sample.FirstRun.Stdout);
        Assert.Equal(
            first.RootElement.GetProperty("index").GetProperty("builtAt").GetString(),
            summary.RootElement.GetProperty("index").GetProperty("builtAt").GetString());
    }

    [Fact]
    public void Query_by_an_unseen_photo_ranks_the_same_person_first()
    {
        var result = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "-k", "3", "--library", _sample.Library, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var hits = doc.RootElement.GetProperty("faces")[0].GetProperty("hits");
        Assert.Equal(3, hits.GetArrayLength());
        Assert.Equal("obama", hits[0].GetProperty("identity").GetString());
        Assert.Equal("obama", hits[1].GetProperty("identity").GetString());
        Assert.True(hits[0].GetProperty("samePerson").GetBoolean());
        Assert.False(hits[2].GetProperty("samePerson").GetBoolean());
        Assert.True(hits[0].GetProperty("distance").GetSingle() <= hits[1].GetProperty("distance").GetSingle());
    }

    [Fact]
    public void Query_writes_csv_and_a_self_contained_html_page()
    {
        using var tmp = new TempDir();
        var page = tmp.Sub("report.html");
        var result = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "-k", "2", "--library", _sample.Library, "--csv", "--html", page);
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.StartsWith("query_face,rank,face_id,dataset,identity", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(3, result.Stdout.Trim().Split('\n').Length);
        var html = File.ReadAllText(page);
        Assert.Contains("data:image/png;base64,", html, StringComparison.Ordinal);
        Assert.DoesNotContain("src=\"http", html, StringComparison.Ordinal);
    }

    [Fact]
    public void Query_by_indexed_face_id_and_by_indexed_image()
    {
        var byImage = CliRunner.Run("query", "--image", "obama/obama.jpg", "--dataset", "sample", "-k", "1", "--library", _sample.Library, "--json");
        Assert.True(byImage.ExitCode == 0, byImage.ToString());
        using var doc = JsonDocument.Parse(byImage.Stdout);
        var hit = doc.RootElement.GetProperty("faces")[0].GetProperty("hits")[0];
        Assert.Equal("obama", hit.GetProperty("identity").GetString());
        Assert.NotEqual("obama/obama.jpg", hit.GetProperty("imagePath").GetString());

        var byId = CliRunner.Run("query", "--face-id", hit.GetProperty("faceId").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture), "-k", "1", "--library", _sample.Library, "--json");
        Assert.True(byId.ExitCode == 0, byId.ToString());
        Assert.Contains("obama/obama.jpg", byId.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Info_reports_the_index_and_its_measured_recall()
    {
        var result = CliRunner.Run("info", "--library", _sample.Library, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var index = doc.RootElement.GetProperty("index");
        Assert.True(index.GetProperty("recallAt10").GetDouble() >= 0.99);
        Assert.Equal("ok", doc.RootElement.GetProperty("integrity").GetString());
    }

    [Fact]
    public void A_copy_rebuilt_as_hnsw_answers_a_photo_query_as_the_annoy_index_does()
    {
        using var tmp = new TempDir();
        var copy = Directory.CreateDirectory(tmp.Sub("hnsw-library")).FullName;
        foreach (var file in Directory.GetFiles(_sample.Library))
        {
            File.Copy(file, Path.Combine(copy, Path.GetFileName(file)));
        }

        var photo = TestPaths.DataFile("faces", "queries", "obama2.jpg");
        var byAnnoy = CliRunner.Run("query", photo, "-k", "5", "--library", copy, "--json");
        var rebuild = CliRunner.Run("info", "--rebuild", "--ann", "hnsw", "--library", copy, "--json");
        var byHnsw = CliRunner.Run("query", photo, "-k", "5", "--library", copy, "--json");

        Assert.True(rebuild.ExitCode == 0, rebuild.ToString());
        using var info = JsonDocument.Parse(rebuild.Stdout);
        var index = info.RootElement.GetProperty("index");
        Assert.Equal("hnsw", index.GetProperty("kind").GetString());
        Assert.Equal("faces.hnsw", index.GetProperty("indexFile").GetString());
        Assert.True(index.GetProperty("recallAt10").GetDouble() >= 0.99);
        Assert.False(File.Exists(Path.Combine(copy, "faces.ann")));
        Assert.True(byAnnoy.ExitCode == 0 && byHnsw.ExitCode == 0, byAnnoy.ToString() + byHnsw);
        // The same faces in the same order; distances to the last bits (the photo is embedded again by each run).
        Assert.Equal(Hits(byAnnoy).Select(h => (h.FaceId, h.Identity)), Hits(byHnsw).Select(h => (h.FaceId, h.Identity)));
        Assert.All(Hits(byAnnoy).Zip(Hits(byHnsw)), p => Assert.Equal(p.First.Distance, p.Second.Distance, 5));
        Assert.Equal("obama", Hits(byHnsw)[0].Identity);

        static List<(long FaceId, string? Identity, float Distance)> Hits(CliResult result)
        {
            using var doc = JsonDocument.Parse(result.Stdout);
            return [.. doc.RootElement.GetProperty("faces")[0].GetProperty("hits").EnumerateArray()
                .Select(h => (h.GetProperty("faceId").GetInt64(), h.GetProperty("identity").GetString(), h.GetProperty("distance").GetSingle()))];
        }
    }

    [Fact]
    public void Eval_identify_reports_exact_annoy_and_hnsw_side_by_side()
    {
        var result = CliRunner.Run("eval", "identify", "--dataset", "sample", "--library", _sample.Library, "--json");
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = JsonDocument.Parse(result.Stdout);
        var results = doc.RootElement.GetProperty("results");
        Assert.Equal(3, results.GetArrayLength());
        Assert.Equal(3, doc.RootElement.GetProperty("identities").GetInt32());
        Assert.StartsWith("hnsw", results[2].GetProperty("searchName").GetString(), StringComparison.Ordinal);
        foreach (var r in results.EnumerateArray())
        {
            Assert.Equal(1.0, r.GetProperty("rank1").GetDouble(), 6);
        }
    }

    /// <summary>One indexed copy of the sample shared by the tests of this class (indexing takes seconds).</summary>
    public sealed class SampleLibrary : IDisposable
    {
        private readonly TempDir _tmp = new();

        public SampleLibrary()
        {
            Dataset = Datasets.CopySample(_tmp.Sub("sample"));
            Library = _tmp.Sub("library");
            FirstRun = CliRunner.Run("index", Dataset, "--library", Library, "--json");
            SecondRun = CliRunner.Run("index", Dataset, "--library", Library, "--json");
        }

        public string Dataset { get; }

        public string Library { get; }

        public CliResult FirstRun { get; }

        public CliResult SecondRun { get; }

        public void Dispose() => _tmp.Dispose();
    }
}
