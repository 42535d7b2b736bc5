using FaceIndex.Detection;
using FaceIndex.Native;
using Xunit.Abstractions;
using DlibApi = FaceIndex.Native.Dlib;

namespace FaceIndex.Tests.Dlib;

/// <summary>The HOG detector's behaviour on real photos and on images without faces.</summary>
[Collection(DlibTestGroup.Name)]
public sealed class DlibDetectorTests(DlibFixture dlib, ITestOutputHelper output)
{
    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    public void A_flat_gray_image_has_no_face(int upsample)
    {
        var gray = DlibTestData.Gray(250, 250, 128);

        var faces = dlib.Worker.Detector.Detect(gray, upsample);

        Assert.Empty(faces);
    }

    [Fact]
    public void A_group_selfie_has_many_faces_sorted_by_score_inside_the_image()
    {
        var image = DlibTestData.LoadData("faces", "deepface", "selfie-many-people.jpg");

        var faces = dlib.Worker.Detector.Detect(image, upsample: 1);

        output.WriteLine($"{faces.Count} faces: {string.Join(", ", faces.Select(f => $"{f.Box} {f.Score:F3}"))}");
        // dlib finds 4 of the (partly turned) faces at upsample 1; one box runs past the left edge, as dlib allows.
        Assert.InRange(faces.Count, 3, 40);
        Assert.Equal(faces.OrderByDescending(f => f.Score).Select(f => f.Score), faces.Select(f => f.Score));
        Assert.All(faces, f =>
        {
            Assert.True(f.Score > 0, $"{f.Box} has score {f.Score}: at threshold 0 dlib reports only positive scores");
            Assert.InRange(f.Box.CenterX, 0, image.Width);
            Assert.InRange(f.Box.CenterY, 0, image.Height);
        });
    }

    [Fact]
    public void Kit_with_Rose_has_two_faces_side_by_side()
    {
        var image = DlibTestData.LoadData("faces", "face_recognition", "kit_harington", "kit_with_rose.jpg");

        var faces = dlib.Worker.Detector.Detect(image, upsample: 1);

        output.WriteLine(string.Join(", ", faces.Select(f => $"{f.Box} {f.Score:F3}")));
        Assert.Equal(2, faces.Count);
        var (left, right) = faces[0].Box.Left < faces[1].Box.Left ? (faces[0].Box, faces[1].Box) : (faces[1].Box, faces[0].Box);
        Assert.True(left.Right < right.Left, $"the two faces overlap: {left} and {right}");
    }

    [Fact]
    public void Upsampled_detections_are_mapped_back_to_source_coordinates()
    {
        var image = DlibTestData.LoadData("faces", "face_recognition", "obama", "obama_small.jpg");

        var plain = dlib.Worker.Detector.Detect(image, upsample: 0);
        var up1 = dlib.Worker.Detector.Detect(image, upsample: 1);
        var up2 = dlib.Worker.Detector.Detect(image, upsample: 2);

        output.WriteLine($"{image.Width}x{image.Height}: up0 {string.Join(", ", plain.Select(f => f.Box))}; up1 {string.Join(", ", up1.Select(f => f.Box))}; up2 {string.Join(", ", up2.Select(f => f.Box))}");
        var face = Assert.Single(plain);
        Assert.Single(up1);
        Assert.Single(up2);
        Assert.All(new[] { up1[0], up2[0] }, again =>
        {
            Assert.InRange(Math.Abs(again.Box.CenterX - face.Box.CenterX), 0, face.Box.Width / 4.0);
            Assert.InRange(Math.Abs(again.Box.CenterY - face.Box.CenterY), 0, face.Box.Height / 4.0);
            Assert.InRange(again.Box.Width, face.Box.Width * 0.8, face.Box.Width * 1.25);
        });
    }

    [Fact]
    public void A_lower_threshold_adds_weaker_detections_and_keeps_the_strong_ones()
    {
        var image = DlibTestData.LoadData("faces", "deepface", "selfie-many-people.jpg");
        using var detector = DlibApi.GetFrontalFaceDetector();

        var strict = detector.Detect(image, 0, adjustThreshold: 0);
        var loose = detector.Detect(image, 0, adjustThreshold: -1.0);

        output.WriteLine($"{strict.Count} at 0, {loose.Count} at -1");
        Assert.True(loose.Count > strict.Count);
        Assert.Contains(loose, f => f.Score < 0);
        Assert.All(strict, s => Assert.Contains(loose, l => l.Box == s.Box && Math.Abs(l.Score - s.Score) < 1e-12));
    }

    [Fact]
    public void More_detections_than_the_inline_buffer_are_all_returned()
    {
        // A very low threshold on the group selfie yields far more than the 16 detections returned inline.
        var image = DlibTestData.LoadData("faces", "deepface", "selfie-many-people.jpg");
        using var detector = DlibApi.GetFrontalFaceDetector();

        var many = detector.Detect(image, 1, adjustThreshold: -1.5);

        output.WriteLine($"{many.Count} detections at -1.5");
        Assert.True(many.Count > 16, $"only {many.Count} detections");
        Assert.Equal(many.Count, many.Select(f => f.Box).Distinct().Count());
        Assert.Equal(many.OrderByDescending(f => f.Score).Select(f => f.Score), many.Select(f => f.Score));
    }

    [Fact]
    public void The_detector_reads_a_strided_buffer_in_place()
    {
        // Given the committed source of chip 7 copied into rows padded with junk bytes
        var golden = DlibTestData.Golden[7];
        var image = DlibTestData.LoadSourcePng(golden);
        var stride = image.Stride + 7;
        var padded = new byte[stride * image.Height];
        Array.Fill(padded, (byte)255);
        for (var y = 0; y < image.Height; y++)
        {
            image.Pixels.AsSpan(y * image.Stride, image.Stride).CopyTo(padded.AsSpan(y * stride));
        }

        using var detector = DlibApi.GetFrontalFaceDetector();
        var faces = detector.Detect(new RgbPixels(padded, image.Width, image.Height, stride), upsample: 1);

        Assert.Equal(golden.Box, DlibTestData.NearestCentre(faces, image).Box);
        Assert.Equal(golden.Landmarks, dlib.Models.Predictor.Detect(new RgbPixels(padded, image.Width, image.Height, stride), golden.Box).Points);
    }

    [Fact]
    public void The_dlib_version_is_Debians()
    {
        Assert.Equal("19.24.0", DlibApi.Version);
        Assert.Equal(68, dlib.Models.Predictor.NumParts);
        Assert.IsType<DlibFaceDetector>(dlib.Worker.Detector);
    }
}
