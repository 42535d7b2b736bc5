namespace FaceIndex.Detection;

/// <summary>One face as face-api's SSD reports it: score and box in pixels of the input image (x, y = left, top; not rounded).</summary>
public sealed record SsdDetection(double Score, double X, double Y, double Width, double Height)
{
    /// <summary>The box centre, x.</summary>
    public double CenterX => X + (Width / 2);

    /// <summary>The box centre, y.</summary>
    public double CenterY => Y + (Height / 2);
}
