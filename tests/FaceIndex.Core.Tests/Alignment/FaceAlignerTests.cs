using FaceIndex.Alignment;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Tests.Alignment;

/// <summary>The ONNX models' alignments against transforms computed by hand, and the warp they cut chips with.</summary>
public sealed class FaceAlignerTests
{
    private const double Tol = 1e-9;

    [Fact]
    public void Similarity_undoes_a_known_scale_rotation_and_shift()
    {
        // Source = the template scaled by 2, turned 90 degrees ((x, y) -> (-y, x)) and shifted by (100, 50).
        // By hand, its inverse is x = (sy - 50) / 2, y = (100 - sx) / 2: [0, 0.5, -25; -0.5, 0, 50].
        var template = FivePoints.Template(112);
        var source = template.Select(p => ((-2 * p.Y) + 100, (2 * p.X) + 50)).ToArray();

        var m = AffineMatrix.Similarity(source, template);

        AssertMatrix(new AffineMatrix(0, 0.5, -25, -0.5, 0, 50), m);
    }

    [Fact]
    public void Similarity_is_the_least_squares_fit_when_no_exact_one_exists()
    {
        // By hand: centred source (±1, ±1), centred target (±0.5, -0.55 / 0.45 / 0.65); a = 4.2 / 8 = 0.525,
        // b = 0.2 / 8 = 0.025, and both centroids map with zero translation.
        (double, double)[] source = [(0, 0), (2, 0), (0, 2), (2, 2)];
        (double, double)[] target = [(0, 0), (1, 0), (0, 1), (1, 1.2)];

        var m = AffineMatrix.Similarity(source, target);

        AssertMatrix(new AffineMatrix(0.525, -0.025, 0, 0.025, 0.525, 0), m);
    }

    [Fact]
    public void Three_point_affine_maps_the_points_exactly_and_can_shear()
    {
        (double, double)[] source = [(10, 10), (30, 10), (10, 40)];

        var square = AffineMatrix.FromThreePoints(source, [(0, 0), (1, 0), (0, 1)]);
        var sheared = AffineMatrix.FromThreePoints(source, [(0, 0), (1, 0), (0.5, 1)]);

        AssertMatrix(new AffineMatrix(1 / 20.0, 0, -0.5, 0, 1 / 30.0, -1 / 3.0), square);
        AssertMatrix(new AffineMatrix(1 / 20.0, 1 / 60.0, -0.5 - (1 / 6.0), 0, 1 / 30.0, -1 / 3.0), sheared);
    }

    [Fact]
    public void Five_points_come_from_the_eye_means_nose_tip_and_mouth_corners()
    {
        var points = Enumerable.Range(0, 68).Select(i => new LandmarkPoint(i, 2 * i)).ToArray();
        var five = FivePoints.From68(new FaceLandmarks(new FaceBox(0, 0, 10, 10), points));

        // Means of 36..41 and 42..47 are 38.5 and 44.5.
        Assert.Equal([(38.5, 77.0), (44.5, 89.0), (30.0, 60.0), (48.0, 96.0), (54.0, 108.0)], five);
    }

    [Fact]
    public void Warp_samples_the_source_through_the_inverse_map()
    {
        var image = Gradient(40, 30);

        // Chip (x, y) = source (2x + 5, 2y + 3): integer positions, so no interpolation.
        var chip = AffineWarp.Warp(image, new AffineMatrix(0.5, 0, -2.5, 0, 0.5, -1.5), 10);

        for (var y = 0; y < 10; y++)
        {
            for (var x = 0; x < 10; x++)
            {
                Assert.Equal(Pixel(image, (2 * x) + 5, (2 * y) + 3), Pixel(chip, x, y));
            }
        }
    }

    [Fact]
    public void Warp_interpolates_between_pixels_and_is_black_outside()
    {
        var image = Gradient(8, 8);

        // A half-pixel shift: chip (x, y) = source (x + 0.5, y).
        var chip = AffineWarp.Warp(image, new AffineMatrix(1, 0, -0.5, 0, 1, 0), 8);

        var left = Pixel(image, 2, 3);
        var right = Pixel(image, 3, 3);
        Assert.InRange(Pixel(chip, 2, 3).R, Math.Min(left.R, right.R) + 1, Math.Max(left.R, right.R) - 1);
        Assert.True(Math.Abs(Pixel(chip, 2, 3).R - ((left.R + right.R) / 2.0)) <= 0.5, "the mean of the two neighbours");
        Assert.Equal(Pixel(image, 7, 3).R / 2.0, Pixel(chip, 7, 3).R, 0.51); // half the last column, half the black outside
    }

    [Fact]
    public void The_aligners_put_the_five_points_on_the_template()
    {
        // A face whose 5 points are the template scaled by 1.5 and shifted: both aligners map them onto the template.
        var template = FivePoints.Template(112);
        var points = new LandmarkPoint[68];
        for (var i = 0; i < 68; i++)
        {
            points[i] = new LandmarkPoint(0, 0);
        }

        LandmarkPoint At((double X, double Y) p) => new((int)Math.Round((p.X * 2) + 20), (int)Math.Round((p.Y * 2) + 10));
        for (var i = 36; i < 42; i++)
        {
            points[i] = At(template[0]);
        }

        for (var i = 42; i < 48; i++)
        {
            points[i] = At(template[1]);
        }

        points[30] = At(template[2]);
        points[48] = At(template[3]);
        points[54] = At(template[4]);
        var face = new FaceLandmarks(new FaceBox(0, 0, 300, 300), points);

        foreach (var m in new[] { ArcFaceAligner.Transform(face, 112), ThreePointAffineAligner.Transform(face, 112) })
        {
            var five = FivePoints.From68(face);
            for (var k = 0; k < 3; k++)
            {
                var (x, y) = m.Apply(five[k].X, five[k].Y);
                Assert.True(Math.Abs(x - template[k].X) < 0.5 && Math.Abs(y - template[k].Y) < 0.5, $"point {k} at ({x:F2}, {y:F2})");
            }
        }

        Assert.Equal(112, new ArcFaceAligner().Align(Gradient(300, 300), face, 112).Width);
    }

    private static RgbImage Gradient(int width, int height)
    {
        var pixels = new byte[width * height * 3];
        for (var y = 0; y < height; y++)
        {
            for (var x = 0; x < width; x++)
            {
                var o = ((y * width) + x) * 3;
                pixels[o] = (byte)(x * 6);
                pixels[o + 1] = (byte)(y * 7);
                pixels[o + 2] = (byte)((x + y) % 256);
            }
        }

        return new RgbImage(width, height, pixels);
    }

    private static (byte R, byte G, byte B) Pixel(RgbImage image, int x, int y)
    {
        var o = (y * image.Stride) + (x * 3);
        return (image.Pixels[o], image.Pixels[o + 1], image.Pixels[o + 2]);
    }

    private static void AssertMatrix(AffineMatrix expected, AffineMatrix actual)
    {
        double[] e = [expected.M11, expected.M12, expected.M13, expected.M21, expected.M22, expected.M23];
        double[] a = [actual.M11, actual.M12, actual.M13, actual.M21, actual.M22, actual.M23];
        for (var i = 0; i < 6; i++)
        {
            Assert.True(Math.Abs(e[i] - a[i]) < Tol, $"entry {i}: {a[i]}, expected {e[i]} (got {actual})");
        }
    }
}
