using FaceIndex.Imaging;

namespace FaceIndex.Detection;

/// <summary>
/// face-api's SSD input, computed as tfjs's CPU backend computes it: the image zero-padded at the bottom or right to a
/// square, resized to 512x512 by TF's legacy bilinear resize (no half-pixel centres, no corner alignment), then
/// x / 127.5 - 1 in float32.
/// </summary>
internal static class SsdInput
{
    /// <summary>Writes the network input for <paramref name="image"/> into <paramref name="chw"/> (3 x 512 x 512, planar).</summary>
    public static void Fill(RgbImage image, Span<float> chw)
    {
        const int size = SsdMobilenetV1.InputSize;
        const int plane = size * size;
        if (chw.Length < 3 * plane)
        {
            throw new ArgumentException($"needs {3 * plane} floats", nameof(chw));
        }

        var side = Math.Max(image.Width, image.Height);
        var pixels = image.Pixels;
        var width = image.Width;
        var height = image.Height;

        // The padded square's pixel (row, col, channel): zero outside the image.
        double At(int row, int col, int c) => row < height && col < width ? pixels[(((row * width) + col) * 3) + c] : 0;

        var ratio = side / (double)size;
        for (var r = 0; r < size; r++)
        {
            var fracRow = ratio * r;
            var rowFloor = Math.Max(0, (int)Math.Floor(fracRow));
            var rowCeil = Math.Min(side - 1, (int)Math.Ceiling(fracRow));
            var rowFrac = fracRow - rowFloor;
            for (var col = 0; col < size; col++)
            {
                var fracCol = ratio * col;
                var colFloor = Math.Max(0, (int)Math.Floor(fracCol));
                var colCeil = Math.Min(side - 1, (int)Math.Ceiling(fracCol));
                var colFrac = fracCol - colFloor;
                for (var c = 0; c < 3; c++)
                {
                    var topLeft = At(rowFloor, colFloor, c);
                    var topRight = At(rowFloor, colCeil, c);
                    var bottomLeft = At(rowCeil, colFloor, c);
                    var bottomRight = At(rowCeil, colCeil, c);
                    var top = topLeft + ((topRight - topLeft) * colFrac);
                    var bottom = bottomLeft + ((bottomRight - bottomLeft) * colFrac);

                    // tfjs stores the resized value in a Float32Array, then divides and subtracts in float32.
                    var value = (float)(top + ((bottom - top) * rowFrac));
                    chw[(c * plane) + (r * size) + col] = (value / 127.5f) - 1f;
                }
            }
        }
    }
}
