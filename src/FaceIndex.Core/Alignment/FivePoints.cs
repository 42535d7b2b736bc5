using FaceIndex.Landmarks;

namespace FaceIndex.Alignment;

/// <summary>The five points ONNX face models align on, from dlib's 68, and the ArcFace 112x112 template they go to.</summary>
public static class FivePoints
{
    /// <summary>
    /// The ArcFace (insightface) reference points for a 112x112 chip: left eye, right eye, nose tip, left and right mouth
    /// corner (image left/right), in pixel coordinates.
    /// </summary>
    public static IReadOnlyList<(double X, double Y)> ArcFace112 { get; } =
    [
        (38.2946, 51.6963),
        (73.5318, 51.5014),
        (56.0252, 71.7366),
        (41.5493, 92.3655),
        (70.7299, 92.2041),
    ];

    /// <summary>The template for a <paramref name="size"/> x <paramref name="size"/> chip (scaled from 112).</summary>
    public static (double X, double Y)[] Template(int size)
    {
        var k = size / 112.0;
        return [.. ArcFace112.Select(p => (p.X * k, p.Y * k))];
    }

    /// <summary>Eye centres (mean of points 36-41 and 42-47), nose tip (30), mouth corners (48, 54), in image order.</summary>
    public static (double X, double Y)[] From68(FaceLandmarks landmarks)
    {
        ArgumentNullException.ThrowIfNull(landmarks);
        var p = landmarks.Points;
        if (p.Count != 68)
        {
            throw new ArgumentException($"need dlib's 68 landmarks, got {p.Count}", nameof(landmarks));
        }

        return [Mean(p, 36, 6), Mean(p, 42, 6), (p[30].X, p[30].Y), (p[48].X, p[48].Y), (p[54].X, p[54].Y)];
    }

    private static (double X, double Y) Mean(IReadOnlyList<LandmarkPoint> points, int start, int count)
    {
        double x = 0, y = 0;
        for (var i = start; i < start + count; i++)
        {
            x += points[i].X;
            y += points[i].Y;
        }

        return (x / count, y / count);
    }
}
