namespace FaceIndex.Imaging;

/// <summary>An 8-bit RGB image, row-major, 3 bytes a pixel, no row padding (stride = 3 * Width).</summary>
public sealed class RgbImage
{
    public RgbImage(int width, int height, byte[] pixels)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentNullException.ThrowIfNull(pixels);
        if (pixels.Length != checked(width * height * 3))
        {
            throw new ArgumentException($"expected {width * height * 3} bytes for {width}x{height} RGB, got {pixels.Length}", nameof(pixels));
        }

        Width = width;
        Height = height;
        Pixels = pixels;
    }

    public int Width { get; }

    public int Height { get; }

    /// <summary>RGB bytes, row-major. Treat as read-only: stages never modify an image in place.</summary>
    public byte[] Pixels { get; }

    public int Stride => Width * 3;
}
