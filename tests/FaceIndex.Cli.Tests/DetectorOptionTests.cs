using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary><c>--detector</c>: the SSD detector end to end through the CLI, and a clear usage error for an unknown name.</summary>
public sealed class DetectorOptionTests
{
    [Fact]
    public void Faces_with_the_SSD_detector_finds_both_faces_with_landmarks()
    {
        var result = CliRunner.Run("faces", TestPaths.DataFile("faces", "face_recognition", "kit_harington", "kit_with_rose.jpg"), "--json", "--detector", "ssd");

        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var faces = doc.RootElement.GetProperty("faces");
        Assert.Equal(2, faces.GetArrayLength());
        Assert.All(faces.EnumerateArray(), f => Assert.Equal(68, f.GetProperty("landmarks").GetArrayLength()));
    }

    [Fact]
    public void Verify_with_hog_plus_ssd_still_calls_the_same_person_the_same()
    {
        var result = CliRunner.Run(
            "verify",
            TestPaths.DataFile("faces", "face_recognition", "obama", "obama.jpg"),
            TestPaths.DataFile("faces", "queries", "obama2.jpg"),
            "--json",
            "--detector",
            "hog+ssd");

        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("\"same\": true", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void An_unknown_detector_is_a_usage_error_naming_the_choices()
    {
        var result = CliRunner.Run("faces", TestPaths.DataFile("faces", "deepface", "target.jpg"), "--detector", "cnn");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("hog+ssd", result.Stderr, StringComparison.Ordinal);
    }
}
