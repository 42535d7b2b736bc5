using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using Xunit.Abstractions;
using DlibApi = FaceIndex.Native.Dlib;

namespace FaceIndex.Tests.Dlib;

/// <summary>Our binding of Debian's dlib 19.24 against dlib 20's recorded boxes, landmarks and chips (golden.json).</summary>
[Collection(DlibTestGroup.Name)]
public sealed class DlibGoldenTests(DlibFixture dlib, ITestOutputHelper output)
{
    // On JPEGs decoded by ImageSharp instead of libjpeg-turbo (pixels differ by a few levels), measured over the
    // 8 golden faces: boxes are identical; landmarks move by at most 2.3% of the box width (15 px on a 666 px face),
    // 0.64% on average. The regression trees compare pixel pairs, so a few levels can flip a split.
    private const int JpegBoxTolerancePx = 2;
    private const double JpegLandmarkMaxFraction = 0.03;
    private const double JpegLandmarkMeanFraction = 0.01;

    public static TheoryData<int> Chips => [.. Enumerable.Range(0, 8)];

    [SkippableTheory]
    [MemberData(nameof(Chips))]
    public void On_the_exact_source_pixels_box_landmarks_and_chip_equal_dlibs(int index)
    {
        // Given the decoded pixels dlib's golden results were computed on
        var golden = DlibTestData.Golden[index];
        var image = DlibTestData.LoadSourcePng(golden);

        // When detecting at upsample 1, taking the face nearest the centre, predicting and aligning
        var faces = dlib.Worker.Detector.Detect(image, upsample: 1);
        var face = DlibTestData.NearestCentre(faces, image);
        var landmarks = dlib.Worker.Landmarker.Predict(image, face.Box);
        var chip = dlib.Worker.Aligner.Align(image, landmarks);

        // Then everything equals dlib's output exactly
        Assert.Equal(golden.Faces, faces.Count);
        Assert.Equal(golden.Box, face.Box);
        Assert.Equal(golden.Landmarks, landmarks.Points);
        var expected = DlibTestData.Load(golden.ChipPng);
        var (maxDiff, differing) = Compare(expected, chip);
        output.WriteLine($"{golden}: score {face.Score:F4}, chip max |diff| {maxDiff}, {differing} bytes differ");
        Assert.True(maxDiff == 0, $"{golden}: chip differs from {golden.ChipPng} in {differing} bytes, max |diff| {maxDiff}");
    }

    [SkippableTheory]
    [MemberData(nameof(Chips))]
    public void On_the_jpeg_decoded_by_ImageSharp_box_and_landmarks_are_within_tolerance(int index)
    {
        // Given the original JPEG, decoded by ImageSharp (its IDCT rounds differently from libjpeg-turbo's)
        var golden = DlibTestData.Golden[index];
        var image = DlibTestData.LoadSourceJpeg(golden);

        // When running the same steps
        var faces = dlib.Worker.Detector.Detect(image, upsample: 1);
        var face = DlibTestData.NearestCentre(faces, image);
        var landmarks = dlib.Worker.Landmarker.Predict(image, face.Box);

        // Then the box is within a pixel or two of dlib's, the landmarks within a few percent of the face size
        var boxDiff = new[]
        {
            face.Box.Left - golden.Box.Left, face.Box.Top - golden.Box.Top,
            face.Box.Right - golden.Box.Right, face.Box.Bottom - golden.Box.Bottom,
        }.Max(Math.Abs);
        var markDiff = landmarks.Points.Zip(golden.Landmarks, (a, b) => Math.Max(Math.Abs(a.X - b.X), Math.Abs(a.Y - b.Y))).Max();
        var markMean = landmarks.Points.Zip(golden.Landmarks, (a, b) => Math.Sqrt(Math.Pow(a.X - b.X, 2) + Math.Pow(a.Y - b.Y, 2))).Average();
        var (pixelMax, pixelDiffering) = Compare(DlibTestData.LoadSourcePng(golden), image);
        output.WriteLine($"{golden}: decoded bytes differing from libjpeg-turbo's {100.0 * pixelDiffering / image.Pixels.Length:F1}%, max |diff| {pixelMax}");
        output.WriteLine($"{golden}: box {face.Box.Width} px, box max |diff| {boxDiff} px, landmark max |diff| {markDiff} px, mean distance {markMean:F2} px, score {face.Score:F4}");
        Assert.Equal(golden.Faces, faces.Count);
        Assert.InRange(boxDiff, 0, JpegBoxTolerancePx);
        Assert.InRange(markDiff, 0, JpegLandmarkMaxFraction * golden.Box.Width);
        Assert.InRange(markMean, 0, JpegLandmarkMeanFraction * golden.Box.Width);
    }

    [Fact]
    public void The_chip_via_chip_details_equals_the_one_step_face_chip()
    {
        // Given the committed source of chip 3 and its golden landmarks
        var golden = DlibTestData.Golden[3];
        var image = DlibTestData.LoadSourcePng(golden);
        var shape = new FaceLandmarks(golden.Box, golden.Landmarks);

        // When extracting in two steps, as DlibDotNet's GetFaceChipDetails + ExtractImageChip
        var details = DlibApi.GetFaceChipDetails(shape, 150, 0.25);
        var chip = DlibApi.ExtractImageChip(image, details);

        // Then it is the golden chip, and the details describe a rotated square around the face
        Assert.Equal((150, 150), (details.Rows, details.Cols));
        Assert.InRange(details.Right - details.Left, golden.Box.Width, 3 * golden.Box.Width);
        Assert.Equal(0, Compare(DlibTestData.Load(golden.ChipPng), chip).MaxDiff);
    }

    private static (int MaxDiff, int Differing) Compare(RgbImage expected, RgbImage actual)
    {
        Assert.Equal((expected.Width, expected.Height), (actual.Width, actual.Height));
        int max = 0, differing = 0;
        for (var i = 0; i < expected.Pixels.Length; i++)
        {
            var d = Math.Abs(expected.Pixels[i] - actual.Pixels[i]);
            max = Math.Max(max, d);
            differing += d > 0 ? 1 : 0;
        }

        return (max, differing);
    }
}
