using System.Text.Json.Nodes;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Models;
using FaceIndex.Pipeline;
using FaceIndex.Tests;
using FaceIndex.Tests.Dlib;
using Xunit.Abstractions;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>The SSD detector in the pipeline: hog+ssd finds faces HOG misses; the loader refuses files that are not the SSD model.</summary>
[Collection(DlibTestGroup.Name)]
public sealed class SsdDetectorTests(DlibFixture dlib, ITestOutputHelper output) : IDisposable
{
    private static readonly ImageDecoder Decoder = new();
    private readonly string _dir = Directory.CreateTempSubdirectory("faceindex-ssd-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    // Faces turned 60 degrees in the image plane: past what HOG's frontal detector accepts, well within SSD's reach
    // (SSD scores 0.80 and 0.97 on these two).
    [Theory]
    [InlineData("face_recognition/obama/obama.jpg")]
    [InlineData("face_recognition/rose_leslie/img2.jpg")]
    public void Hog_plus_ssd_finds_a_face_HOG_misses_with_landmarks_on_it(string photo)
    {
        var upright = Decoder.Decode(TestPaths.DataFile(["faces", .. photo.Split('/')])).Image;
        var uprightFace = Assert.Single(dlib.Worker.Detector.Detect(upright, 1));
        var image = TestRotation.Rotate(upright, 60);
        using var engine = FaceEngine.Load();

        var hog = engine.CreatePipeline(new PipelineOptions(Embed: false, Detector: DetectorKind.Hog)).Process(image);
        var both = engine.CreatePipeline(new PipelineOptions(Embed: false, Detector: DetectorKind.HogThenSsd)).Process(image);

        Assert.Empty(hog);
        var face = Assert.Single(both);
        output.WriteLine($"{photo} at 60 degrees: {face.Box} score {face.Score:F3}");

        // The face's centre rotates with the image: the found box must be around it, and its landmarks on it.
        var (cx, cy) = RotatedPoint(upright, image, uprightFace.Box.CenterX, uprightFace.Box.CenterY, 60);
        var side = uprightFace.Box.Width;
        Assert.InRange(face.Box.CenterX, cx - (side / 3.0), cx + (side / 3.0));
        Assert.InRange(face.Box.CenterY, cy - (side / 3.0), cy + (side / 3.0));
        var nose = face.Landmarks.Points[30];
        Assert.InRange(nose.X, cx - (side / 2.0), cx + (side / 2.0));
        Assert.InRange(nose.Y, cy - (side / 2.0), cy + (side / 2.0));
    }

    [Fact]
    public void Hog_plus_ssd_keeps_HOG_boxes_where_HOG_finds_faces()
    {
        var image = Decoder.Decode(TestPaths.DataFile("faces", "face_recognition", "kit_harington", "kit_with_rose.jpg")).Image;
        using var engine = FaceEngine.Load();

        var hog = engine.CreatePipeline(new PipelineOptions(Embed: false)).Process(image);
        var both = engine.CreatePipeline(new PipelineOptions(Embed: false, Detector: DetectorKind.HogThenSsd)).Process(image);

        Assert.Equal(2, hog.Count);
        Assert.Equal(hog.Select(f => f.Box), both.Select(f => f.Box));
    }

    [Fact]
    public void The_SSD_detector_finds_nothing_in_a_flat_grey_image()
    {
        using var ssd = new SsdFaceDetector();

        Assert.Empty(ssd.Detect(DlibTestData.Gray(250, 250, 128)));
    }

    [Fact]
    public void The_loader_refuses_the_recognition_manifest_naming_a_missing_tensor()
    {
        var error = Assert.Throws<FaceIndexException>(() => SsdFaceDetector.FromManifest(ModelFiles.Require(ModelFiles.FaceApiManifest)));

        Assert.Contains("'MobilenetV1/Conv2d_0_pointwise/weights' is missing; the SSD MobileNet v1 face detector needs it", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_loader_refuses_a_truncated_shard()
    {
        var manifest = Copy();
        var bin = Path.Combine(_dir, ModelFiles.SsdWeights.FileName);
        File.WriteAllBytes(bin, File.ReadAllBytes(bin)[..1_000_000]);

        var error = Assert.Throws<FaceIndexException>(() => SsdFaceDetector.FromManifest(manifest));

        Assert.Contains("the .bin is truncated or not this manifest's", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_loader_refuses_prior_boxes_of_the_wrong_shape()
    {
        var manifest = Copy();
        var json = JsonNode.Parse(File.ReadAllText(manifest))!.AsArray();
        var priors = json[0]!["weights"]!.AsArray().Single(w => (string)w!["name"]! == "Output/extra_dim")!;
        priors["shape"] = new JsonArray(1, 2559, 8);
        File.WriteAllText(manifest, json.ToJsonString());

        var error = Assert.Throws<FaceIndexException>(() => SsdFaceDetector.FromManifest(manifest));

        Assert.Contains("'Output/extra_dim' has shape [1, 2559, 8], the network needs [1, 5118, 4]", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_copy_of_the_pinned_files_elsewhere_detects_like_the_pinned_one()
    {
        var image = Decoder.Decode(TestPaths.DataFile("weights-golden", "source7.png")).Image;
        using var copy = SsdFaceDetector.FromManifest(Copy());
        using var pinned = new SsdFaceDetector();

        Assert.Equal(pinned.DetectRaw(image), copy.DetectRaw(image));
    }

    private string Copy()
    {
        foreach (var model in new[] { ModelFiles.SsdManifest, ModelFiles.SsdWeights })
        {
            File.Copy(ModelFiles.Verify(model), Path.Combine(_dir, model.FileName), overwrite: true);
        }

        return Path.Combine(_dir, ModelFiles.SsdManifest.FileName);
    }

    private static (double X, double Y) RotatedPoint(RgbImage from, RgbImage to, double x, double y, double degrees)
    {
        var a = degrees * Math.PI / 180;
        var (dx, dy) = (x - ((from.Width - 1) / 2.0), y - ((from.Height - 1) / 2.0));
        return ((Math.Cos(a) * dx) - (Math.Sin(a) * dy) + ((to.Width - 1) / 2.0), (Math.Sin(a) * dx) + (Math.Cos(a) * dy) + ((to.Height - 1) / 2.0));
    }
}
