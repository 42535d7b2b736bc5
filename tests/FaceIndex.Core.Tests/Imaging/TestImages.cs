using FaceIndex.Imaging;
using FaceIndex.Tests;

namespace FaceIndex.Core.Tests.Imaging;

/// <summary>The decoder's test inputs (tests/data/formats and tests/data/bad, made by formats/make.sh), named in one place.</summary>
internal static class TestImages
{
    public static string Format(string name) => TestPaths.DataFile("formats", name);

    public static string Orient(int n) => TestPaths.DataFile("formats", "orient", $"orient_{n}.jpg");

    public static string Bad(string name) => TestPaths.DataFile("bad", name);

    /// <summary>Every valid file in formats/ with the format its content has.</summary>
    public static TheoryData<string, ImageFormatKind> AllFormats => new()
    {
        { "jpeg_baseline.jpg", ImageFormatKind.Jpeg },
        { "jpeg_444.jpg", ImageFormatKind.Jpeg },
        { "jpeg_progressive.jpg", ImageFormatKind.Jpeg },
        { "jpeg_gray.jpg", ImageFormatKind.Jpeg },
        { "jpeg_cmyk.jpg", ImageFormatKind.Jpeg },
        { "png_rgb8.png", ImageFormatKind.Png },
        { "png_rgb16.png", ImageFormatKind.Png },
        { "png_gray8.png", ImageFormatKind.Png },
        { "png_gray16.png", ImageFormatKind.Png },
        { "png_palette.png", ImageFormatKind.Png },
        { "png_rgba.png", ImageFormatKind.Png },
        { "png_gray_alpha.png", ImageFormatKind.Png },
        { "gif_two_frames.gif", ImageFormatKind.Gif },
        { "tiff_lzw.tif", ImageFormatKind.Tiff },
        { "tiff_two_pages.tif", ImageFormatKind.Tiff },
        { "bmp_24.bmp", ImageFormatKind.Bmp },
        { "webp_lossy.webp", ImageFormatKind.Webp },
        { "webp_lossless.webp", ImageFormatKind.Webp },
    };

    /// <summary>Mean absolute difference per channel between two images of the same size.</summary>
    public static double MeanAbsDiff(RgbImage a, RgbImage b)
    {
        Assert.Equal((a.Width, a.Height), (b.Width, b.Height));
        long sum = 0;
        for (var i = 0; i < a.Pixels.Length; i++)
        {
            sum += Math.Abs(a.Pixels[i] - b.Pixels[i]);
        }

        return (double)sum / a.Pixels.Length;
    }

    /// <summary>Rec. 601 luma of each pixel, as a gray RGB image (what a grayscale encoder keeps).</summary>
    public static RgbImage Luma(RgbImage image)
    {
        var p = image.Pixels;
        var gray = new byte[p.Length];
        for (var i = 0; i < p.Length; i += 3)
        {
            var y = (byte)Math.Round((0.299 * p[i]) + (0.587 * p[i + 1]) + (0.114 * p[i + 2]));
            gray[i] = gray[i + 1] = gray[i + 2] = y;
        }

        return new RgbImage(image.Width, image.Height, gray);
    }

    public static (byte R, byte G, byte B) At(RgbImage image, int x, int y)
    {
        var i = (y * image.Stride) + (3 * x);
        return (image.Pixels[i], image.Pixels[i + 1], image.Pixels[i + 2]);
    }
}
