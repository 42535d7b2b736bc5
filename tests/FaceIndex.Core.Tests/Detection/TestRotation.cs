using FaceIndex.Imaging;

namespace FaceIndex.Core.Tests.Detection;

/// <summary>Test helper: an image rotated about its centre by bilinear sampling, on a canvas that holds all of it (corners grey).</summary>
internal static class TestRotation
{
    public static RgbImage Rotate(RgbImage image, double degrees)
    {
        var a = degrees * Math.PI / 180;
        var (cos, sin) = (Math.Cos(a), Math.Sin(a));
        var w = (int)Math.Ceiling((Math.Abs(image.Width * cos) + Math.Abs(image.Height * sin)));
        var h = (int)Math.Ceiling((Math.Abs(image.Width * sin) + Math.Abs(image.Height * cos)));
        var dst = new byte[w * h * 3];
        var (scx, scy, dcx, dcy) = ((image.Width - 1) / 2.0, (image.Height - 1) / 2.0, (w - 1) / 2.0, (h - 1) / 2.0);
        var src = image.Pixels;
        for (var y = 0; y < h; y++)
        {
            for (var x = 0; x < w; x++)
            {
                // The source point that lands on (x, y).
                var sx = (cos * (x - dcx)) + (sin * (y - dcy)) + scx;
                var sy = (-sin * (x - dcx)) + (cos * (y - dcy)) + scy;
                var (x0, y0) = ((int)Math.Floor(sx), (int)Math.Floor(sy));
                for (var c = 0; c < 3; c++)
                {
                    double Px(int px, int py) => px >= 0 && py >= 0 && px < image.Width && py < image.Height ? src[(((py * image.Width) + px) * 3) + c] : 128;
                    var (fx, fy) = (sx - x0, sy - y0);
                    var top = Px(x0, y0) + ((Px(x0 + 1, y0) - Px(x0, y0)) * fx);
                    var bottom = Px(x0, y0 + 1) + ((Px(x0 + 1, y0 + 1) - Px(x0, y0 + 1)) * fx);
                    dst[(((y * w) + x) * 3) + c] = (byte)Math.Round(top + ((bottom - top) * fy));
                }
            }
        }

        return new RgbImage(w, h, dst);
    }
}
