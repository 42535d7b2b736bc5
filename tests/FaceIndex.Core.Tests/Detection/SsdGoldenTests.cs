using FaceIndex.Detection;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>The TorchSharp port of face-api's SSD MobileNet v1 reproduces face-api (tfjs 4.22.0, CPU backend) on the golden images.</summary>
public sealed class SsdGoldenTests
{
    // Measured on the golden images: scores and normalised coordinates within 2e-6, pixel boxes within 0.002 px. The
    // bounds leave room for other CPUs' kernels and still fail on any layout, padding or decoding mistake.
    private const double ScoreTolerance = 1e-5;
    private const double NormalisedBoxTolerance = 1e-5;
    private const double PixelTolerance = 0.02;

    public static TheoryData<string> Images => SsdGolden.Names();

    [SkippableTheory]
    [MemberData(nameof(Images))]
    public void Detections_equal_faceapi_within_tolerance(string file)
    {
        var golden = SsdGolden.Get(file);
        var image = SsdGolden.Load(file);
        using var detector = new SsdFaceDetector(new SsdDetectorOptions { MinConfidence = SsdGolden.MinConfidence });

        var found = detector.DetectRaw(image);

        Assert.Equal(golden.Detections.Count, found.Count);
        for (var i = 0; i < found.Count; i++)
        {
            var (g, f) = (golden.Detections[i], found[i]);
            Assert.True(Math.Abs(g.Score - f.Score) <= ScoreTolerance, $"{file} face {i}: score {f.Score} vs face-api {g.Score}");
            var worst = new[] { f.X - g.X, f.Y - g.Y, f.Width - g.Width, f.Height - g.Height }.Max(Math.Abs);
            Assert.True(worst <= PixelTolerance, $"{file} face {i}: box ({f.X:F3}, {f.Y:F3}, {f.Width:F3}, {f.Height:F3}) vs face-api ({g.X:F3}, {g.Y:F3}, {g.Width:F3}, {g.Height:F3}): {worst:E2} px apart");
        }
    }

    [SkippableTheory]
    [MemberData(nameof(Images))]
    public void Raw_network_output_equals_faceapi_on_its_ten_best_anchors(string file)
    {
        var golden = SsdGolden.Get(file);
        var image = SsdGolden.Load(file);
        using var detector = new SsdFaceDetector();

        var (boxes, scores) = detector.Forward(image);

        Assert.Equal(SsdMobilenetV1.AnchorCount, scores.Length);
        foreach (var anchor in golden.TopAnchors)
        {
            Assert.True(Math.Abs(scores[anchor.Anchor] - anchor.Score) <= ScoreTolerance, $"{file} anchor {anchor.Anchor}: score {scores[anchor.Anchor]} vs face-api {anchor.Score}");
            for (var k = 0; k < 4; k++)
            {
                Assert.True(
                    Math.Abs(boxes[(4 * anchor.Anchor) + k] - anchor.Box[k]) <= NormalisedBoxTolerance,
                    $"{file} anchor {anchor.Anchor} coordinate {k}: {boxes[(4 * anchor.Anchor) + k]} vs face-api {anchor.Box[k]}");
            }
        }
    }
}
