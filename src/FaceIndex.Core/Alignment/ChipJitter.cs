using FaceIndex.Imaging;
using FaceIndex.Native;

namespace FaceIndex.Alignment;

/// <summary>
/// dlib's test-time jitter for face chips (as <c>compute_face_descriptor(..., num_jitters)</c> uses it): a crop of
/// the chip shifted by up to 2% of its size, scaled by 0.97-1.0, rotated by up to 3 degrees, and mirrored half the
/// time, cut with dlib's own <c>extract_image_chip</c>. Averaging the embeddings of many such copies is dlib's
/// recipe for its best LFW figure (100 copies).
/// </summary>
public static class ChipJitter
{
    /// <summary>One jittered copy of <paramref name="chip"/> (same size), drawn from <paramref name="random"/>.</summary>
    public static RgbImage Jitter(RgbImage chip, Random random)
    {
        ArgumentNullException.ThrowIfNull(chip);
        ArgumentNullException.ThrowIfNull(random);
        const double MaxRotationDegrees = 3;
        const double MinScale = 0.97;
        const double MaxScale = 0.99999;
        const double Translate = 0.02;

        // The chip's rectangle shrunk by 3 pixels on each side (dlib's shrink_rect(get_rect(img), 3)).
        double left = 3, top = 3, right = chip.Width - 1 - 3, bottom = chip.Height - 1 - 3;
        var width = right - left + 1;
        var height = bottom - top + 1;
        var dx = Math.Round(Range(random, -Translate, Translate) * width);
        var dy = Math.Round(Range(random, -Translate, Translate) * height);
        var box = Math.Floor(height / Range(random, MinScale, MaxScale));
        var cx = Math.Round((left + right) / 2) + dx;
        var cy = Math.Round((top + bottom) / 2) + dy;
        var cropLeft = cx - Math.Floor(box / 2);
        var cropTop = cy - Math.Floor(box / 2);
        var angle = Range(random, -MaxRotationDegrees, MaxRotationDegrees) * Math.PI / 180;
        var crop = Dlib.ExtractImageChip(chip, new ChipDetails(cropLeft, cropTop, cropLeft + box - 1, cropTop + box - 1, angle, chip.Height, chip.Width));
        return random.NextDouble() > 0.5 ? Mirror(crop) : crop;
    }

    /// <summary>The left-right mirror image of <paramref name="image"/>.</summary>
    public static RgbImage Mirror(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var src = image.Pixels;
        var dst = new byte[src.Length];
        var stride = image.Stride;
        for (var y = 0; y < image.Height; y++)
        {
            var row = y * stride;
            for (var x = 0; x < image.Width; x++)
            {
                var from = row + (x * 3);
                var to = row + ((image.Width - 1 - x) * 3);
                dst[to] = src[from];
                dst[to + 1] = src[from + 1];
                dst[to + 2] = src[from + 2];
            }
        }

        return new RgbImage(image.Width, image.Height, dst);
    }

    private static double Range(Random random, double min, double max) => min + (random.NextDouble() * (max - min));
}
