using FaceIndex.Imaging;

namespace FaceIndex.Detection;

/// <summary>A face rectangle in dlib's convention: pixel coordinates, right and bottom inclusive.</summary>
public readonly record struct FaceBox(int Left, int Top, int Right, int Bottom)
{
    public int Width => Right - Left + 1;

    public int Height => Bottom - Top + 1;

    public double CenterX => (Left + Right) / 2.0;

    public double CenterY => (Top + Bottom) / 2.0;

    public long Area => (long)Width * Height;
}

/// <summary>One detected face: its box and the detector's confidence score.</summary>
public sealed record FaceDetection(FaceBox Box, double Score);

/// <summary>Finds faces in an image. Implementations are not thread-safe: use one per thread.</summary>
public interface IFaceDetector : IDisposable
{
    /// <summary>Detects faces; <paramref name="upsample"/> doubles the image that many times first to find smaller faces.</summary>
    IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample = 0);
}
