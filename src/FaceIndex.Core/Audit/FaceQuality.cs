using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Audit;

/// <summary>
/// A simple quality score in [0, 1]: the geometric mean of four parts, each 0 (unusable) to 1 (fine): face size (box
/// width 30 px -> 0, 80 px -> 1), detector score (HOG score -0.5 -> 0, 1.0 -> 1), pose from the landmarks (nose tip
/// off the eyes' midpoint by half the eye distance -> 0, centred -> 1), and, when the image is read, sharpness
/// (variance of the Laplacian of the grey face at 64x64: 10 -> 0, 316 -> 1). The ends are round numbers chosen on the
/// development photos, stated here so a reader can move them.
/// </summary>
public static class FaceQuality
{
    /// <summary>The score parts of one face; <paramref name="Sharpness"/> is null when the image was not read.</summary>
    public sealed record Parts(double Size, double Detector, double Pose, double? Sharpness, double Score, double Yaw, double LaplacianVariance);

    /// <summary>Scores a face from its box, detector score, 68 landmarks and (optionally) its image.</summary>
    public static Parts Score(FaceBox box, double detectorScore, IReadOnlyList<LandmarkPoint> landmarks, RgbImage? image)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        var size = Ramp(box.Width, 30, 80);
        var detector = Ramp(detectorScore, -0.5, 1.0);
        var yaw = Yaw(landmarks);
        var pose = double.IsNaN(yaw) ? 1 : Ramp(0.5 - yaw, 0, 0.5);
        double? sharp = null;
        var variance = double.NaN;
        if (image is not null)
        {
            variance = LaplacianVariance(image, box);
            sharp = Ramp(Math.Log10(Math.Max(variance, 1e-3)), 1, 2.5);
        }

        var parts = new List<double> { size, detector, pose };
        if (sharp is { } s)
        {
            parts.Add(s);
        }

        // Geometric mean: one bad part pulls the score down hard, yet the others still rank faces that share it.
        var score = Math.Exp(parts.Average(p => Math.Log(Math.Max(p, 0.01))));
        return new Parts(size, detector, pose, sharp, score, yaw, variance);
    }

    /// <summary>|nose tip - eyes' midpoint| horizontally, over the eye distance: 0 frontal, about 0.5 near profile; NaN without 68 points.</summary>
    public static double Yaw(IReadOnlyList<LandmarkPoint> p)
    {
        ArgumentNullException.ThrowIfNull(p);
        if (p.Count < 68)
        {
            return double.NaN;
        }

        double Mean(int from, int to, Func<LandmarkPoint, int> axis) => Enumerable.Range(from, to - from + 1).Average(i => axis(p[i]));
        var lx = Mean(36, 41, q => q.X);
        var ly = Mean(36, 41, q => q.Y);
        var rx = Mean(42, 47, q => q.X);
        var ry = Mean(42, 47, q => q.Y);
        var eyes = Math.Sqrt(((rx - lx) * (rx - lx)) + ((ry - ly) * (ry - ly)));
        return eyes < 1 ? double.NaN : Math.Abs(p[30].X - ((lx + rx) / 2)) / eyes;
    }

    /// <summary>Variance of the 4-neighbour Laplacian of the grey face box sampled to 64x64 (size-independent).</summary>
    public static double LaplacianVariance(RgbImage image, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        const int n = 64;
        var grey = new double[n * n];
        var left = Math.Clamp(box.Left, 0, image.Width - 1);
        var top = Math.Clamp(box.Top, 0, image.Height - 1);
        var right = Math.Clamp(box.Right, left, image.Width - 1);
        var bottom = Math.Clamp(box.Bottom, top, image.Height - 1);
        for (var y = 0; y < n; y++)
        {
            var sy = top + (int)((bottom - top) * (y + 0.5) / n);
            for (var x = 0; x < n; x++)
            {
                var sx = left + (int)((right - left) * (x + 0.5) / n);
                var o = (sy * image.Stride) + (sx * 3);
                grey[(y * n) + x] = (0.299 * image.Pixels[o]) + (0.587 * image.Pixels[o + 1]) + (0.114 * image.Pixels[o + 2]);
            }
        }

        double sum = 0, sum2 = 0;
        var count = 0;
        for (var y = 1; y < n - 1; y++)
        {
            for (var x = 1; x < n - 1; x++)
            {
                var i = (y * n) + x;
                var lap = grey[i - 1] + grey[i + 1] + grey[i - n] + grey[i + n] - (4 * grey[i]);
                sum += lap;
                sum2 += lap * lap;
                count++;
            }
        }

        var mean = sum / count;
        return (sum2 / count) - (mean * mean);
    }

    private static double Ramp(double value, double zeroAt, double oneAt) => Math.Clamp((value - zeroAt) / (oneAt - zeroAt), 0, 1);
}
