using FaceIndex.Imaging;

namespace FaceIndex.Native;

/// <summary>A borrowed RGB8 buffer (row-major, 3 bytes a pixel, <see cref="Stride"/> bytes a row) to pass to dlib without a copy.</summary>
public readonly ref struct RgbPixels
{
    public RgbPixels(ReadOnlySpan<byte> data, int width, int height, int stride)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        ArgumentOutOfRangeException.ThrowIfLessThan(stride, checked(3 * width));
        var needed = checked(((long)stride * (height - 1)) + (3L * width));
        if (data.Length < needed)
        {
            throw new ArgumentException($"a {width}x{height} RGB image with stride {stride} needs {needed} bytes, got {data.Length}", nameof(data));
        }

        Data = data;
        Width = width;
        Height = height;
        Stride = stride;
    }

    public ReadOnlySpan<byte> Data { get; }

    public int Width { get; }

    public int Height { get; }

    public int Stride { get; }

    /// <summary>The pixels of <paramref name="image"/>, which must not be null.</summary>
    public static RgbPixels Of(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        return new RgbPixels(image.Pixels, image.Width, image.Height, image.Stride);
    }
}
