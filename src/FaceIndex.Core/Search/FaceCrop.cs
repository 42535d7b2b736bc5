using FaceIndex.Detection;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Search;

/// <summary>The square thumbnails of faces that result pages show, and re-encoded images for a browser.</summary>
public static class FaceCrop
{
    /// <summary>The thumbnail side in pixels.</summary>
    public const int Thumb = 128;

    /// <summary>The region shown for a face: its box with a quarter of its size around it, kept inside the image.</summary>
    public static (int Left, int Top, int Width, int Height) Region(FaceBox box, int imageWidth, int imageHeight)
    {
        var margin = (int)(Math.Max(box.Width, box.Height) * 0.25);
        var left = Math.Clamp(box.Left - margin, 0, imageWidth - 1);
        var top = Math.Clamp(box.Top - margin, 0, imageHeight - 1);
        var right = Math.Clamp(box.Right + margin, left, imageWidth - 1);
        var bottom = Math.Clamp(box.Bottom + margin, top, imageHeight - 1);
        return (left, top, right - left + 1, bottom - top + 1);
    }

    /// <summary>The face's <see cref="Region"/> scaled to <see cref="Thumb"/> pixels square, as PNG bytes.</summary>
    public static byte[] Png(RgbImage image, FaceBox box)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (left, top, width, height) = Region(box, image.Width, image.Height);
        using var full = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        full.Mutate(x => x.Crop(new Rectangle(left, top, width, height)).Resize(Thumb, Thumb));
        using var stream = new MemoryStream();
        full.SaveAsPng(stream);
        return stream.ToArray();
    }

    /// <summary>The whole image as JPEG, no larger than <paramref name="maxSide"/> (metadata dropped: only pixels leave).</summary>
    public static byte[] Jpeg(RgbImage image, int maxSide = 1280)
    {
        ArgumentNullException.ThrowIfNull(image);
        using var full = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        var longer = Math.Max(image.Width, image.Height);
        if (longer > maxSide)
        {
            full.Mutate(x => x.Resize((int)Math.Round(image.Width * (double)maxSide / longer), (int)Math.Round(image.Height * (double)maxSide / longer)));
        }

        using var stream = new MemoryStream();
        full.SaveAsJpeg(stream, new JpegEncoder { Quality = 88 });
        return stream.ToArray();
    }
}
