using FaceIndex.Detection;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>The SSD-to-HOG box mapping and the detector names, computed by hand.</summary>
public sealed class SsdBoxMappingTests
{
    [Fact]
    public void The_identity_mapping_keeps_the_box_in_dlib_convention()
    {
        var box = SsdBoxMapping.Identity.Apply(new SsdDetection(0.9, 10, 20, 100, 120));

        Assert.Equal(new FaceBox(10, 20, 109, 139), box);
    }

    [Fact]
    public void A_mapping_shifts_the_centre_by_fractions_of_the_sides_and_scales_the_sides()
    {
        // Centre (60, 80) + (0.1 * 100, 0.05 * 120) = (70, 86); sides 100 x 100 and 120 x 0.5 = 60.
        var box = new SsdBoxMapping(0.1, 0.05, 1.0, 0.5).Apply(new SsdDetection(0.9, 10, 20, 100, 120));

        Assert.Equal(new FaceBox(20, 56, 119, 115), box);
    }

    [Fact]
    public void Fitting_recovers_a_mapping_that_generated_the_boxes()
    {
        var truth = new SsdBoxMapping(0.02, 0.06, 1.05, 0.85);
        var ssd = new[] { new SsdDetection(1, 40, 60, 200, 240), new SsdDetection(1, 300, 100, 400, 480), new SsdDetection(1, 5, 5, 120, 150) };
        var pairs = ssd.Select(s => new SsdHogPair("x", s, truth.Apply(s))).ToList();

        var fitted = SsdBoxMapping.Fit(pairs);

        // Only the rounding of the boxes to whole pixels separates them.
        Assert.Equal(truth.CenterX, fitted.CenterX, 0.005);
        Assert.Equal(truth.CenterY, fitted.CenterY, 0.005);
        Assert.Equal(truth.Width, fitted.Width, 0.005);
        Assert.Equal(truth.Height, fitted.Height, 0.005);
    }

    [Theory]
    [InlineData("hog", DetectorKind.Hog)]
    [InlineData("SSD", DetectorKind.Ssd)]
    [InlineData("hog+ssd", DetectorKind.HogThenSsd)]
    public void Detector_names_parse_and_print_back(string name, DetectorKind kind)
    {
        Assert.Equal(kind, DetectorKinds.Parse(name));
        Assert.Equal(name.ToLowerInvariant(), kind.Name());
    }

    [Fact]
    public void An_unknown_detector_name_is_refused_listing_the_choices()
    {
        var error = Assert.Throws<FaceIndexException>(() => DetectorKinds.Parse("cnn"));

        Assert.Contains("hog, ssd, hog+ssd", error.Message, StringComparison.Ordinal);
    }
}
