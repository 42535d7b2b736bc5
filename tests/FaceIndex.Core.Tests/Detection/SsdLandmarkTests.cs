using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Tests;
using FaceIndex.Tests.Dlib;
using Xunit.Abstractions;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>dlib's 68 landmarks placed in mapped SSD boxes land where they land in HOG boxes.</summary>
[Collection(DlibTestGroup.Name)]
public sealed class SsdLandmarkTests(DlibFixture dlib, ITestOutputHelper output)
{
    private static readonly ImageDecoder Decoder = new();

    [Fact]
    public void Landmarks_in_mapped_SSD_boxes_match_HOG_box_landmarks_on_the_committed_photos()
    {
        var files = Directory.GetFiles(TestPaths.DataFile("faces"), "*.*", SearchOption.AllDirectories)
            .Where(f => !f.EndsWith(".json", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();

        var (pairs, images, _) = Collect(files);
        var calibrated = SsdBoxCalibration.Measure(pairs, SsdBoxMapping.Calibrated, dlib.Worker.Landmarker, p => images[p]);
        var identity = SsdBoxCalibration.Measure(pairs, SsdBoxMapping.Identity, dlib.Worker.Landmarker, p => images[p]);
        output.WriteLine($"calibrated: {calibrated}");
        output.WriteLine($"identity:   {identity}");

        Assert.True(pairs.Count >= 8, $"only {pairs.Count} faces found by both detectors");
        Assert.True(calibrated.MedianLandmarkError <= 0.02, $"median landmark error {calibrated.MedianLandmarkError:F4} of the eye distance");
        Assert.True(calibrated.P90LandmarkError <= 0.06, $"90th percentile landmark error {calibrated.P90LandmarkError:F4} of the eye distance");
        Assert.True(calibrated.MedianLandmarkError < identity.MedianLandmarkError * 0.8, "the mapping should cut the error of SSD boxes used as they are by a fifth at least");
    }

    [SkippableFact]
    public void The_shipped_mapping_is_the_fit_on_the_development_photos()
    {
        var root = TestPaths.RequireShared("faces");
        var files = Directory.GetFiles(root, "*.*", SearchOption.AllDirectories)
            .Where(f => f.EndsWith(".jpg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".jpeg", StringComparison.OrdinalIgnoreCase) || f.EndsWith(".png", StringComparison.OrdinalIgnoreCase))
            .Order(StringComparer.Ordinal).ToList();

        var (pairs, images, onlySsd) = Collect(files);
        var fitted = SsdBoxMapping.Fit(pairs);
        var fit = SsdBoxCalibration.Measure(pairs, fitted, dlib.Worker.Landmarker, p => images[p]);
        var shipped = SsdBoxCalibration.Measure(pairs, SsdBoxMapping.Calibrated, dlib.Worker.Landmarker, p => images[p]);
        var identity = SsdBoxCalibration.Measure(pairs, SsdBoxMapping.Identity, dlib.Worker.Landmarker, p => images[p]);
        output.WriteLine($"{files.Count} images, {pairs.Count} faces found by both; images with an SSD face but no HOG face: {onlySsd.Count} ({string.Join(", ", onlySsd.Select(Path.GetFileName))})");
        output.WriteLine($"fitted:   {fit}");
        output.WriteLine($"shipped:  {shipped}");
        output.WriteLine($"identity: {identity}");

        Assert.Equal(fitted.CenterX, SsdBoxMapping.Calibrated.CenterX, 0.01);
        Assert.Equal(fitted.CenterY, SsdBoxMapping.Calibrated.CenterY, 0.01);
        Assert.Equal(fitted.Width, SsdBoxMapping.Calibrated.Width, 0.01);
        Assert.Equal(fitted.Height, SsdBoxMapping.Calibrated.Height, 0.01);
        Assert.True(shipped.MedianLandmarkError < identity.MedianLandmarkError * 0.8, "the mapping should cut the error of SSD boxes used as they are by a fifth at least");
        Assert.True(shipped.MedianLandmarkError <= 0.03, $"median landmark error {shipped.MedianLandmarkError:F4} of the eye distance");
    }

    private (List<SsdHogPair> Pairs, Dictionary<string, RgbImage> Images, List<string> OnlySsd) Collect(IReadOnlyList<string> files)
    {
        using var ssd = new SsdFaceDetector();
        var pairs = new List<SsdHogPair>();
        var images = new Dictionary<string, RgbImage>(StringComparer.Ordinal);
        var onlySsd = new List<string>();
        foreach (var file in files)
        {
            RgbImage image;
            try
            {
                image = Decoder.Decode(file).Image;
            }
            catch (ImageDecodeException)
            {
                continue;
            }

            images[file] = image;
            var hog = dlib.Worker.Detector.Detect(image, upsample: 1);
            var found = ssd.DetectRaw(image);
            if (hog.Count == 0 && found.Count > 0)
            {
                onlySsd.Add(file);
            }

            pairs.AddRange(SsdBoxCalibration.Pair(file, hog, found));
        }

        return (pairs, images, onlySsd);
    }
}
