using System.Numerics.Tensors;
using System.Text.Json;
using FaceIndex.Export;
using FaceIndex.Models;
using FaceIndex.Search;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>export, audit and cluster with --model on a library holding dlib's and the bundled faceplugin model's embeddings of the same photos.</summary>
public sealed class MultiModelExportAuditClusterTests
{
    [SkippableFact]
    public void Export_audit_and_cluster_use_the_named_models_embeddings_index_and_threshold()
    {
        var onnx = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(onnx), $"needs {onnx} (bash scripts/setup.sh fetches it)");
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var data = TestPaths.DataFile("faces", "face_recognition");
        var first = CliRunner.Run("index", data, "--dataset", "fr", "--library", library, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());

        // Before faceplugin's embeddings are added, each command refuses it, saying how to add them.
        string[][] lacking =
        [
            ["export", "--dataset", "fr", "--model", "faceplugin", "--out", Path.Combine(tmp.Path, "none.csv"), "--format", "csv"],
            ["audit", "--dataset", "fr", "--model", "faceplugin", "--json", "--no-sharpness"],
            ["cluster", "--dataset", "fr", "--model", "faceplugin", "--json"],
        ];
        foreach (var args in lacking)
        {
            var refused = CliRunner.Run([.. args, "--library", library]);
            Assert.True(refused.ExitCode == 1, refused.ToString());
            Assert.Contains("holds no embeddings of model faceplugin", refused.Stderr, StringComparison.Ordinal);
            Assert.Contains("faceindex index DIR --dataset fr --model faceplugin", refused.Stderr, StringComparison.Ordinal);
        }

        Assert.False(File.Exists(Path.Combine(tmp.Path, "none.csv")));
        var second = CliRunner.Run("index", data, "--dataset", "fr", "--model", "faceplugin", "--library", library, "--json");
        Assert.True(second.ExitCode == 0, second.ToString());

        // export: faceplugin's 512-d unit vectors with its model id; without --model still dlib's 128-d ones.
        var csv = Path.Combine(tmp.Path, "fp.csv");
        var export = CliRunner.Run("export", "--dataset", "fr", "--model", "faceplugin", "--format", "csv", "--out", csv, "--library", library, "--json");
        Assert.True(export.ExitCode == 0, export.ToString());
        var rows = EmbeddingExporter.Read(csv, ExportFormat.Csv);
        Assert.Equal(7, rows.Count);
        Assert.All(rows, r =>
        {
            Assert.Equal(512, r.Embedding.Length);
            Assert.StartsWith("faceplugin/sha256:", r.ModelId, StringComparison.Ordinal);
            Assert.Equal(1f, TensorPrimitives.Norm(r.Embedding), 3);
        });
        var dlibCsv = Path.Combine(tmp.Path, "dlib.csv");
        Assert.Equal(0, CliRunner.Run("export", "--dataset", "fr", "--format", "csv", "--out", dlibCsv, "--library", library).ExitCode);
        Assert.All(EmbeddingExporter.Read(dlibCsv, ExportFormat.Csv), r =>
        {
            Assert.Equal(128, r.Embedding.Length);
            Assert.StartsWith("dlib-resnet29-v1", r.ModelId, StringComparison.Ordinal);
        });

        // cluster: faceplugin's index and its manifest threshold (cosine 0.45 as a unit-vector distance); each person one cluster.
        var cluster = CliRunner.Run("cluster", "--dataset", "fr", "--model", "faceplugin", "--subjects", "--library", library, "--json");
        Assert.True(cluster.ExitCode == 0, cluster.ToString());
        using (var doc = JsonDocument.Parse(cluster.Stdout))
        {
            Assert.StartsWith("faceplugin/sha256:", doc.RootElement.GetProperty("modelId").GetString(), StringComparison.Ordinal);
            Assert.Equal(LibraryModels.UnitDistance(0.45), doc.RootElement.GetProperty("threshold").GetDouble(), 4);
            var people = doc.RootElement.GetProperty("clusters").EnumerateArray()
                .Select(c => (Id: c.GetProperty("id").GetInt32(), Images: c.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("imagePath").GetString()!).Order(StringComparer.Ordinal).ToList()))
                .ToList();
            Assert.Contains(people, c => c.Id >= 0 && c.Images.SequenceEqual(["obama/obama.jpg", "obama/obama_small.jpg"]));
            Assert.Contains(people, c => c.Id >= 0 && c.Images.SequenceEqual(["rose_leslie/img1.jpg", "rose_leslie/img2.jpg"]));
            var m = doc.RootElement.GetProperty("metrics");
            Assert.True(m.GetProperty("pairwisePrecision").GetDouble() == 1.0 && m.GetProperty("pairwiseRecall").GetDouble() == 1.0, cluster.Stdout);
        }

        // A threshold given for a cosine model is a cosine similarity; a distance-like 1.2 is refused as out of range.
        var badThreshold = CliRunner.Run("cluster", "--dataset", "fr", "--model", "faceplugin", "--threshold", "1.2", "--library", library);
        Assert.True(badThreshold.ExitCode == 1, badThreshold.ToString());
        Assert.Contains("cosine similarity", badThreshold.Stderr, StringComparison.Ordinal);

        // audit: faceplugin's embeddings (its model id reported); obama_small.jpg is obama.jpg cropped and shrunk, the one same photo here.
        foreach (var (model, id) in new[] { ("faceplugin", "faceplugin/sha256:"), ("dlib", "dlib-resnet29-v1") })
        {
            var audit = CliRunner.Run("audit", "--dataset", "fr", "--model", model, "--no-sharpness", "--library", library, "--json");
            Assert.True(audit.ExitCode == 0, audit.ToString());
            using var doc = JsonDocument.Parse(audit.Stdout);
            Assert.StartsWith(id, doc.RootElement.GetProperty("modelId").GetString(), StringComparison.Ordinal);
            Assert.Equal(7, doc.RootElement.GetProperty("faces").GetInt32());
            var duplicate = Assert.Single(doc.RootElement.GetProperty("findings").EnumerateArray(), f => f.GetProperty("kind").GetString() == "duplicate");
            Assert.Equal(
                ["obama/obama.jpg", "obama/obama_small.jpg"],
                duplicate.GetProperty("faces").EnumerateArray().Select(f => f.GetProperty("imagePath").GetString()!).Order(StringComparer.Ordinal));
        }
    }

    [SkippableFact]
    public void Cluster_of_a_folder_with_a_model_indexes_it_with_that_model_and_clusters_by_it()
    {
        var onnx = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(onnx), $"needs {onnx} (bash scripts/setup.sh fetches it)");
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var cluster = CliRunner.Run("cluster", TestPaths.DataFile("faces", "face_recognition"), "--dataset", "fr", "--model", "faceplugin", "--subjects", "--library", library, "--json");
        Assert.True(cluster.ExitCode == 0, cluster.ToString());
        using var doc = JsonDocument.Parse(cluster.Stdout);
        Assert.StartsWith("faceplugin/sha256:", doc.RootElement.GetProperty("modelId").GetString(), StringComparison.Ordinal);
        Assert.Equal(1.0, doc.RootElement.GetProperty("metrics").GetProperty("pairwisePrecision").GetDouble());
        Assert.Equal(IndexMeta.UnitCosineMetric, FaceSearchIndex.ReadMeta(library)!.Metric);
    }

    [SkippableFact]
    public void A_cosine_models_index_says_so_and_an_older_description_saying_euclidean_still_opens()
    {
        var onnx = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(onnx), $"needs {onnx} (bash scripts/setup.sh fetches it)");
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var data = TestPaths.DataFile("faces", "face_recognition");
        Assert.Equal(0, CliRunner.Run("index", data, "--dataset", "fr", "--library", library, "--json").ExitCode);
        Assert.Equal(0, CliRunner.Run("index", data, "--dataset", "fr", "--model", "faceplugin", "--library", library, "--json").ExitCode);

        Assert.Equal(IndexMeta.EuclideanMetric, FaceSearchIndex.ReadMeta(library)!.Metric);
        var folder = Directory.GetDirectories(Path.Combine(library, FaceSearchIndex.ModelIndexesFolder)).Single();
        var meta = FaceSearchIndex.ReadMeta(folder)!;
        Assert.StartsWith("faceplugin/sha256:", meta.ModelId, StringComparison.Ordinal);
        Assert.Equal("cosine (Euclidean on unit vectors)", meta.Metric);
        Assert.Contains(", cosine (Euclidean on unit vectors)", meta.Describe(), StringComparison.Ordinal);

        // A description written before the metric was recorded per model: the same file with "euclidean".
        var metaFile = Path.Combine(folder, "faces.meta.json");
        var text = File.ReadAllText(metaFile);
        var old = text.Replace("\"cosine (Euclidean on unit vectors)\"", "\"euclidean\"", StringComparison.Ordinal);
        Assert.NotEqual(text, old);
        File.WriteAllText(metaFile, old);

        var info = CliRunner.Run("info", "--library", library, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        using (var doc = JsonDocument.Parse(info.Stdout))
        {
            Assert.Equal("euclidean", doc.RootElement.GetProperty("index").GetProperty("metric").GetString());
            var metrics = doc.RootElement.GetProperty("models").EnumerateArray()
                .ToDictionary(m => m.GetProperty("isDefault").GetBoolean(), m => m.GetProperty("index").GetProperty("metric").GetString());
            Assert.Equal("euclidean", metrics[true]);
            Assert.Equal("cosine (Euclidean on unit vectors)", metrics[false]);
        }

        // The old description still opens its index: the query is answered from it, not rebuilt.
        var query = CliRunner.Run("query", TestPaths.DataFile("faces", "queries", "obama2.jpg"), "--model", "faceplugin", "--largest", "--library", library, "--json");
        Assert.True(query.ExitCode == 0, query.ToString());
        Assert.Contains("\"obama\"", query.Stdout, StringComparison.Ordinal);
        Assert.Equal(old, File.ReadAllText(metaFile));
    }
}
