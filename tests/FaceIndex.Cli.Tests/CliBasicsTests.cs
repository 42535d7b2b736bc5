using FaceIndex.Tests;

namespace FaceIndex.Cli.Tests;

/// <summary>Exit codes and messages: 0 success, 1 bad input, 2 usage; errors are one clear line on stderr.</summary>
public sealed class CliBasicsTests
{
    [Fact]
    public void Unknown_command_is_a_usage_error_with_exit_code_2()
    {
        var result = CliRunner.Run("frobnicate");
        Assert.Equal(2, result.ExitCode);
        Assert.Contains("frobnicate", result.Stderr, StringComparison.Ordinal);
        Assert.Empty(result.Stdout.Trim());
    }

    [Fact]
    public void Missing_argument_is_a_usage_error()
    {
        var result = CliRunner.Run("verify", TestPaths.DataFile("faces", "deepface", "target.jpg"));
        Assert.Equal(2, result.ExitCode);
    }

    [Fact]
    public void Models_lists_every_pinned_file_with_licence_and_checksum()
    {
        var result = CliRunner.Run("models", "--json", "--verify");
        Assert.True(result.ExitCode == 0, result.ToString());
        Assert.Contains("b413e420d6840b2775fba32008db6f3cddb07d485967fb42cfcf379c16a8c589", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("iBUG 300-W", result.Stdout, StringComparison.Ordinal);
        Assert.Contains("\"state\": \"verified\"", result.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("mismatch", result.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_photo_is_bad_input_named_in_one_line()
    {
        var result = CliRunner.Run("faces", "/nonexistent/photo.jpg");
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("/nonexistent/photo.jpg", result.Stderr, StringComparison.Ordinal);
        Assert.Single(result.Stderr.Trim().Split('\n'));
    }

    [Fact]
    public void A_truncated_jpeg_is_bad_input_with_the_reason()
    {
        var bad = TestPaths.DataFile("bad", "truncated.jpg");
        var result = CliRunner.Run("faces", bad);
        Assert.Equal(1, result.ExitCode);
        Assert.Contains(Path.GetFileName(bad), result.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Faces_finds_two_faces_and_writes_aligned_chips()
    {
        using var tmp = new TempDir();
        var result = CliRunner.Run("faces", TestPaths.DataFile("faces", "face_recognition", "kit_harington", "kit_with_rose.jpg"), "--json", "--chips", tmp.Path);
        Assert.True(result.ExitCode == 0, result.ToString());
        using var doc = System.Text.Json.JsonDocument.Parse(result.Stdout);
        var faces = doc.RootElement.GetProperty("faces");
        Assert.Equal(2, faces.GetArrayLength());
        Assert.All(faces.EnumerateArray(), f => Assert.Equal(68, f.GetProperty("landmarks").GetArrayLength()));
        var chips = Directory.GetFiles(tmp.Path, "*.png");
        Assert.Equal(2, chips.Length);
        using var chip = SixLabors.ImageSharp.Image.Load(chips[0]);
        Assert.Equal(150, chip.Width);
        Assert.Equal(150, chip.Height);
    }

    [Fact]
    public void Verify_says_same_for_two_photos_of_one_person_and_different_for_two_people()
    {
        var obama = TestPaths.DataFile("faces", "face_recognition", "obama", "obama.jpg");
        var same = CliRunner.Run("verify", obama, TestPaths.DataFile("faces", "queries", "obama2.jpg"), "--json");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("\"same\": true", same.Stdout, StringComparison.Ordinal);
        var different = CliRunner.Run("verify", obama, TestPaths.DataFile("faces", "face_recognition", "rose_leslie", "img1.jpg"), "--json");
        Assert.True(different.ExitCode == 0, different.ToString());
        Assert.Contains("\"same\": false", different.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Verify_with_no_face_is_bad_input_that_says_so()
    {
        using var tmp = new TempDir();
        var blank = tmp.Sub("blank.png");
        using (var image = new SixLabors.ImageSharp.Image<SixLabors.ImageSharp.PixelFormats.Rgb24>(200, 200, new SixLabors.ImageSharp.PixelFormats.Rgb24(128, 128, 128)))
        {
            SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, blank);
        }

        var result = CliRunner.Run("verify", blank, TestPaths.DataFile("faces", "face_recognition", "obama", "obama.jpg"));
        Assert.Equal(1, result.ExitCode);
        Assert.Contains("no face", result.Stderr, StringComparison.Ordinal);
    }
}
