using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Native;

/// <summary>Where and how big a face chip is in its source image: dlib's <c>chip_details</c>.</summary>
public readonly record struct ChipDetails(double Left, double Top, double Right, double Bottom, double Angle, int Rows, int Cols);

/// <summary>dlib's free functions as DlibDotNet names them: the detector factory and face-chip extraction.</summary>
public static unsafe class Dlib
{
    /// <summary>The dlib version compiled into the shim, e.g. "19.24.0".</summary>
    public static string Version
    {
        get
        {
            DlibNative.EnsureLoaded();
            return System.Runtime.InteropServices.Marshal.PtrToStringUTF8(DlibNative.DlibVersion()) ?? string.Empty;
        }
    }

    /// <summary>dlib's <c>get_frontal_face_detector()</c>.</summary>
    public static FrontalFaceDetector GetFrontalFaceDetector() => FrontalFaceDetector.Create();

    /// <summary>dlib's <c>get_face_chip_details(shape, size, padding)</c> for a 68- or 5-point shape.</summary>
    public static ChipDetails GetFaceChipDetails(FaceLandmarks shape, int size = 150, double padding = 0.25)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var points = ShapePoints(shape);
        ValidateChip(size, padding);
        DlibNative.EnsureLoaded();
        DlibNative.ChipDetails d;
        fixed (LandmarkPoint* p = points)
        {
            DlibNative.Check(DlibNative.FaceChipDetails((DlibNative.Point*)p, points.Length, size, padding, out d), "computing the face chip details");
        }

        return new ChipDetails(d.Left, d.Top, d.Right, d.Bottom, d.Angle, d.Rows, d.Cols);
    }

    /// <summary>dlib's <c>extract_image_chip(img, details, chip)</c>: bilinear, from an image pyramid when shrinking a lot.</summary>
    public static RgbImage ExtractImageChip(RgbImage image, ChipDetails details)
    {
        var src = RgbPixels.Of(image);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(details.Rows, nameof(details));
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(details.Cols, nameof(details));
        DlibNative.EnsureLoaded();
        var chip = new byte[checked(details.Rows * details.Cols * 3)];
        var d = new DlibNative.ChipDetails
        {
            Left = details.Left,
            Top = details.Top,
            Right = details.Right,
            Bottom = details.Bottom,
            Angle = details.Angle,
            Rows = details.Rows,
            Cols = details.Cols,
        };
        fixed (byte* rgb = src.Data)
        fixed (byte* output = chip)
        {
            DlibNative.Check(
                DlibNative.ExtractImageChip(rgb, src.Width, src.Height, src.Stride, d, output, details.Cols * 3),
                $"extracting a {details.Cols}x{details.Rows} chip");
        }

        return new RgbImage(details.Cols, details.Rows, chip);
    }

    /// <summary>dlib's Python <c>get_face_chip(img, shape, size, padding)</c>: an aligned size x size face chip.</summary>
    public static RgbImage GetFaceChip(RgbImage image, FaceLandmarks shape, int size = 150, double padding = 0.25)
    {
        var chip = new byte[checked(size * size * 3)];
        GetFaceChip(RgbPixels.Of(image), shape, size, padding, chip);
        return new RgbImage(size, size, chip);
    }

    /// <summary>As <see cref="GetFaceChip(RgbImage, FaceLandmarks, int, double)"/>, into <paramref name="chip"/> (size * size * 3 bytes).</summary>
    public static void GetFaceChip(RgbPixels image, FaceLandmarks shape, int size, double padding, Span<byte> chip)
    {
        ArgumentNullException.ThrowIfNull(shape);
        var points = ShapePoints(shape);
        ValidateChip(size, padding);
        ArgumentOutOfRangeException.ThrowIfLessThan(chip.Length, size * size * 3, nameof(chip));
        DlibNative.EnsureLoaded();
        fixed (byte* rgb = image.Data)
        fixed (LandmarkPoint* p = points)
        fixed (byte* output = chip)
        {
            DlibNative.Check(
                DlibNative.GetFaceChip(rgb, image.Width, image.Height, image.Stride, (DlibNative.Point*)p, points.Length, size, padding, output, size * 3),
                $"extracting a {size}x{size} face chip");
        }
    }

    private static ReadOnlySpan<LandmarkPoint> ShapePoints(FaceLandmarks shape)
    {
        if (shape.Points.Count is not (68 or 5))
        {
            throw new ArgumentException($"a face chip needs 68 or 5 landmarks, got {shape.Points.Count}", nameof(shape));
        }

        return shape.Points is LandmarkPoint[] array ? array : shape.Points.ToArray();
    }

    private static void ValidateChip(int size, double padding)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(size);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(size, 4096);
        ArgumentOutOfRangeException.ThrowIfNegative(padding);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(padding, 100);
    }
}
