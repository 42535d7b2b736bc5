using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Imaging;

/// <summary>Resampling of <see cref="RgbImage"/>s (a new image; the source is never modified).</summary>
public static class RgbImageResize
{
    /// <summary>A copy of <paramref name="image"/> resized to <paramref name="width"/> x <paramref name="height"/> (bilinear).</summary>
    public static RgbImage Resize(RgbImage image, int width, int height)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(width);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(height);
        using var source = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        source.Mutate(x => x.Resize(new ResizeOptions { Size = new Size(width, height), Sampler = KnownResamplers.Triangle, Mode = ResizeMode.Stretch }));
        var pixels = new byte[width * height * 3];
        source.CopyPixelDataTo(pixels);
        return new RgbImage(width, height, pixels);
    }
}
