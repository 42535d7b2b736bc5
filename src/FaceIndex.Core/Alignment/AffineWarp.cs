using FaceIndex.Imaging;

namespace FaceIndex.Alignment;

/// <summary>Resamples an image through an affine map into a new square chip (bilinear; black outside the source, as OpenCV's warpAffine).</summary>
public static class AffineWarp
{
    /// <summary>The <paramref name="size"/> x <paramref name="size"/> chip whose pixel (x, y) is the source at <paramref name="toChip"/>⁻¹(x, y).</summary>
    public static RgbImage Warp(RgbImage image, AffineMatrix toChip, int size)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        var inverse = toChip.Invert();
        var src = image.Pixels;
        var stride = image.Stride;
        var w = image.Width;
        var h = image.Height;
        var dst = new byte[size * size * 3];
        for (var y = 0; y < size; y++)
        {
            for (var x = 0; x < size; x++)
            {
                var (sx, sy) = inverse.Apply(x, y);
                var x0 = (int)Math.Floor(sx);
                var y0 = (int)Math.Floor(sy);
                var fx = sx - x0;
                var fy = sy - y0;
                var o = ((y * size) + x) * 3;
                for (var c = 0; c < 3; c++)
                {
                    var v = ((1 - fx) * (1 - fy) * Sample(src, stride, w, h, x0, y0, c))
                        + (fx * (1 - fy) * Sample(src, stride, w, h, x0 + 1, y0, c))
                        + ((1 - fx) * fy * Sample(src, stride, w, h, x0, y0 + 1, c))
                        + (fx * fy * Sample(src, stride, w, h, x0 + 1, y0 + 1, c));
                    dst[o + c] = (byte)Math.Clamp((int)Math.Round(v), 0, 255);
                }
            }
        }

        return new RgbImage(size, size, dst);
    }

    private static int Sample(ReadOnlySpan<byte> src, int stride, int w, int h, int x, int y, int c) =>
        x < 0 || y < 0 || x >= w || y >= h ? 0 : src[(y * stride) + (x * 3) + c];
}
