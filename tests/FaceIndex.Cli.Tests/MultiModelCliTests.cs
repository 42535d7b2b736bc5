using System.Text.Json;
using FaceIndex.Models;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>A library holding two models' embeddings from the command line: index --model, query --model, eval identify --model, info.</summary>
public sealed class MultiModelCliTests
{
    [SkippableFact]
    public void A_dataset_indexed_again_with_faceplugin_is_queried_and_evaluated_with_either_model()
    {
        var onnx = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(onnx), $"needs {onnx} (bash scripts/setup.sh fetches it)");
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");
        var data = TestPaths.DataFile("faces", "face_recognition");
        var probe = TestPaths.DataFile("faces", "queries", "obama2.jpg");

        var first = CliRunner.Run("index", data, "--dataset", "fr", "--library", library, "--json");
        Assert.True(first.ExitCode == 0, first.ToString());

        var lacking = CliRunner.Run("query", probe, "--model", "faceplugin", "--library", library);
        Assert.True(lacking.ExitCode == 1, lacking.ToString());
        Assert.Contains("faceindex index DIR --dataset fr --model faceplugin", lacking.Stderr, StringComparison.Ordinal);

        var second = CliRunner.Run("index", data, "--dataset", "fr", "--model", "faceplugin", "--library", library, "--json");
        Assert.True(second.ExitCode == 0, second.ToString());
        using (var doc = JsonDocument.Parse(second.Stdout))
        {
            var summary = doc.RootElement.GetProperty("summary");
            Assert.Equal(0, summary.GetProperty("processed").GetInt32());
            Assert.Equal(7, summary.GetProperty("reEmbeddedFaces").GetInt32());
            Assert.StartsWith("faceplugin/sha256:", doc.RootElement.GetProperty("index").GetProperty("modelId").GetString(), StringComparison.Ordinal);
        }

        foreach (var model in new[] { "dlib", "faceplugin" })
        {
            var query = CliRunner.Run("query", probe, "--model", model, "--largest", "-k", "3", "--library", library, "--json");
            Assert.True(query.ExitCode == 0, query.ToString());
            using var doc = JsonDocument.Parse(query.Stdout);
            var hit = doc.RootElement.GetProperty("faces")[0].GetProperty("hits")[0];
            Assert.Equal("obama", hit.GetProperty("identity").GetString());
            Assert.True(hit.GetProperty("samePerson").GetBoolean(), query.Stdout);

            var byIdentity = CliRunner.Run("query", probe, "--by", "identity", "--model", model, "--library", library, "--json");
            Assert.True(byIdentity.ExitCode == 0, byIdentity.ToString());
            Assert.Contains("\"obama\"", byIdentity.Stdout, StringComparison.Ordinal);

            var identify = CliRunner.Run("eval", "identify", "--dataset", "fr", "--model", model, "--search", "exact", "--library", library, "--json");
            Assert.True(identify.ExitCode == 0, identify.ToString());
            Assert.Contains(model == "dlib" ? "dlib-resnet29-v1" : "faceplugin/sha256:", identify.Stdout, StringComparison.Ordinal);
        }

        var calibrate = CliRunner.Run("calibrate", "--dataset", "fr", "--model", "faceplugin", "--dry-run", "--bootstrap", "0", "--library", library, "--json");
        Assert.True(calibrate.ExitCode == 0, calibrate.ToString());
        Assert.Contains("\"modelId\": \"faceplugin/sha256:", calibrate.Stdout, StringComparison.Ordinal);

        var info = CliRunner.Run("info", "--library", library, "--json");
        Assert.True(info.ExitCode == 0, info.ToString());
        using (var doc = JsonDocument.Parse(info.Stdout))
        {
            Assert.StartsWith("dlib-resnet29-v1", doc.RootElement.GetProperty("defaultModel").GetString(), StringComparison.Ordinal);
            Assert.Equal(2, doc.RootElement.GetProperty("models").GetArrayLength());
        }
    }
}
