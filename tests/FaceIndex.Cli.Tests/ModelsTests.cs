using System.Text.Json;
using FaceIndex.Models;
using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>Bring-your-own models end to end: models add, a manifest error from the CLI, and eval verify --model a,b --fusion.</summary>
public sealed class ModelsTests
{
    private static string Bundled()
    {
        var file = ModelFiles.PathOf(ModelFiles.FacepluginFeature);
        Skip.IfNot(File.Exists(file), $"needs {file} (bash scripts/setup.sh fetches it)");
        return file;
    }

    [SkippableFact]
    public void Models_add_with_a_preset_registers_the_model_by_name_and_sha256()
    {
        var onnx = Bundled();
        using var tmp = new TempDir();
        var library = tmp.Sub("lib");

        var add = CliRunner.Run("models", "add", "mine", "--onnx", onnx, "--preset", "arcface112", "--library", library);
        Assert.True(add.ExitCode == 0, add.ToString());
        var list = CliRunner.Run("models", "--json", "--library", library);
        Assert.True(list.ExitCode == 0, list.ToString());
        using var doc = JsonDocument.Parse(list.Stdout);
        var mine = doc.RootElement.GetProperty("recognitionModels").EnumerateArray().Single(m => m.GetProperty("name").GetString() == "mine");
        Assert.Equal("mine/sha256:" + ModelFiles.FacepluginFeature.Sha256, mine.GetProperty("modelId").GetString());
        Assert.Equal("input 112x112 nchw rgb", mine.GetProperty("input").GetString());
        Assert.Contains(doc.RootElement.GetProperty("recognitionModels").EnumerateArray(), m => m.GetProperty("licence").GetString()!.Contains("undocumented", StringComparison.Ordinal));
    }

    [SkippableFact]
    public void A_manifest_with_a_wrong_input_name_is_bad_input_naming_the_field()
    {
        var onnx = Bundled();
        using var tmp = new TempDir();
        var manifest = tmp.Sub("m.json");
        File.WriteAllText(manifest, """{ "name": "x", "file": "x.onnx", "sha256": "", "inputName": "data", "inputSize": 112, "outputName": "output", "dimension": 512 }""");

        var add = CliRunner.Run("models", "add", "bad", "--onnx", onnx, "--manifest", manifest, "--library", tmp.Sub("lib"));

        Assert.Equal(1, add.ExitCode);
        Assert.Contains("manifest field 'inputName'", add.Stderr, StringComparison.Ordinal);
        Assert.Contains("input [1,3,112,112]", add.Stderr, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Eval_verify_compares_two_models_and_their_fusion_on_the_same_pairs()
    {
        Bundled();
        using var tmp = new TempDir();
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
        var report = tmp.Sub("report");

        var run = CliRunner.Run("eval", "verify", pairs, "--root", TestPaths.DataFile("faces"), "--model", "dlib,faceplugin", "--fusion", "--cache", tmp.Sub("cache"), "--report", report, "--json");

        Assert.True(run.ExitCode == 0, run.ToString());
        using var doc = JsonDocument.Parse(run.Stdout);
        var lines = doc.RootElement.EnumerateArray().ToList();
        Assert.Equal(["dlib dlib", "faceplugin arcface5 bgr"], lines.Take(2).Select(l => l.GetProperty("label").GetString()));
        Assert.StartsWith("fusion", lines[2].GetProperty("label").GetString(), StringComparison.Ordinal);
        Assert.Equal("cosine", lines[1].GetProperty("metric").GetString());
        Assert.All(lines, l => Assert.Equal(1.0, l.GetProperty("auc").GetDouble(), 6));
        Assert.True(new FileInfo(Path.Combine(report, "roc.png")).Length > 1000);
        Assert.Contains("faceplugin arcface5 bgr", File.ReadAllText(Path.Combine(report, "report.md")), StringComparison.Ordinal);
    }

    [SkippableFact]
    public void Verify_with_the_bundled_model_decides_on_cosine_at_its_own_threshold()
    {
        Bundled();
        var obama = TestPaths.DataFile("faces", "face_recognition", "obama", "obama.jpg");

        var same = CliRunner.Run("verify", obama, TestPaths.DataFile("faces", "queries", "obama2.jpg"), "--model", "faceplugin", "--json");
        var other = CliRunner.Run("verify", obama, TestPaths.DataFile("faces", "face_recognition", "rose_leslie", "img1.jpg"), "--model", "faceplugin", "--json");

        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.True(other.ExitCode == 0, other.ToString());
        using var a = JsonDocument.Parse(same.Stdout);
        using var b = JsonDocument.Parse(other.Stdout);
        Assert.True(a.RootElement.GetProperty("same").GetBoolean());
        Assert.False(b.RootElement.GetProperty("same").GetBoolean());
        Assert.Equal("cosine", a.RootElement.GetProperty("metric").GetString());
        Assert.Equal(0.45, a.RootElement.GetProperty("threshold").GetDouble(), 5);
        Assert.StartsWith("faceplugin/sha256:", a.RootElement.GetProperty("modelId").GetString(), StringComparison.Ordinal);
    }
}
