using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Detection;

/// <summary>
/// Fits and measures <see cref="SsdBoxMapping"/>: SSD boxes are taller than HOG's and sit lower on the face, and dlib's
/// landmark predictor, trained on HOG boxes, places its points relative to the box it is given.
/// </summary>
public static class SsdBoxCalibration
{
    /// <summary>
    /// Pairs each HOG face with the SSD face whose centre lies inside the HOG box and is nearest its centre (faces only
    /// one detector finds are left out).
    /// </summary>
    public static IReadOnlyList<SsdHogPair> Pair(string image, IReadOnlyList<FaceDetection> hog, IReadOnlyList<SsdDetection> ssd)
    {
        ArgumentNullException.ThrowIfNull(hog);
        ArgumentNullException.ThrowIfNull(ssd);
        var pairs = new List<SsdHogPair>();
        var used = new HashSet<int>();
        foreach (var h in hog)
        {
            var best = -1;
            var bestDistance = double.MaxValue;
            for (var i = 0; i < ssd.Count; i++)
            {
                var (cx, cy) = (ssd[i].CenterX, ssd[i].CenterY);
                if (used.Contains(i) || cx < h.Box.Left || cx > h.Box.Right + 1 || cy < h.Box.Top || cy > h.Box.Bottom + 1)
                {
                    continue;
                }

                var d = Math.Pow(cx - h.Box.CenterX - 0.5, 2) + Math.Pow(cy - h.Box.CenterY - 0.5, 2);
                if (d < bestDistance)
                {
                    (best, bestDistance) = (i, d);
                }
            }

            if (best >= 0)
            {
                used.Add(best);
                pairs.Add(new SsdHogPair(image, ssd[best], h.Box));
            }
        }

        return pairs;
    }

    /// <summary>Measures <paramref name="mapping"/> on <paramref name="pairs"/>: landmarks in mapped SSD boxes against landmarks in the HOG boxes.</summary>
    /// <param name="pairs">Faces both detectors found.</param>
    /// <param name="mapping">The mapping to measure.</param>
    /// <param name="landmarker">dlib's predictor.</param>
    /// <param name="imageOf">The decoded image of a pair's <see cref="SsdHogPair.Image"/>.</param>
    public static SsdMappingFit Measure(IReadOnlyList<SsdHogPair> pairs, SsdBoxMapping mapping, ILandmarker landmarker, Func<string, RgbImage> imageOf)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(mapping);
        ArgumentNullException.ThrowIfNull(landmarker);
        ArgumentNullException.ThrowIfNull(imageOf);
        if (pairs.Count == 0)
        {
            throw new ArgumentException("no face pairs to measure on", nameof(pairs));
        }

        var errors = new List<double>(pairs.Count);
        var iou = 0.0;
        foreach (var pair in pairs)
        {
            var image = imageOf(pair.Image);
            var mapped = mapping.Apply(pair.Ssd);
            iou += Iou(mapped, pair.Hog);
            errors.Add(LandmarkError(landmarker.Predict(image, pair.Hog), landmarker.Predict(image, mapped)));
        }

        errors.Sort();
        return new SsdMappingFit(pairs.Count, mapping, iou / pairs.Count, Quantile(errors, 0.5), Quantile(errors, 0.9), errors[^1]);
    }

    /// <summary>Mean distance between corresponding points, over the reference's outer-eye-corner distance (points 36 and 45).</summary>
    public static double LandmarkError(FaceLandmarks reference, FaceLandmarks other)
    {
        ArgumentNullException.ThrowIfNull(reference);
        ArgumentNullException.ThrowIfNull(other);
        var r = reference.Points;
        var o = other.Points;
        var eyes = Math.Max(1.0, Math.Sqrt(Math.Pow(r[45].X - r[36].X, 2) + Math.Pow(r[45].Y - r[36].Y, 2)));
        var sum = 0.0;
        for (var i = 0; i < r.Count; i++)
        {
            sum += Math.Sqrt(Math.Pow(o[i].X - r[i].X, 2) + Math.Pow(o[i].Y - r[i].Y, 2));
        }

        return sum / r.Count / eyes;
    }

    /// <summary>Intersection over union of two boxes (inclusive pixel bounds).</summary>
    public static double Iou(FaceBox a, FaceBox b)
    {
        var w = Math.Min(a.Right, b.Right) - Math.Max(a.Left, b.Left) + 1;
        var h = Math.Min(a.Bottom, b.Bottom) - Math.Max(a.Top, b.Top) + 1;
        if (w <= 0 || h <= 0)
        {
            return 0;
        }

        var inter = (double)w * h;
        return inter / (a.Area + b.Area - inter);
    }

    private static double Quantile(List<double> sorted, double q)
    {
        var pos = q * (sorted.Count - 1);
        var lo = (int)Math.Floor(pos);
        var hi = Math.Min(sorted.Count - 1, lo + 1);
        return sorted[lo] + ((sorted[hi] - sorted[lo]) * (pos - lo));
    }
}
