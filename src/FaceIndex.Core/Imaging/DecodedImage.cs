namespace FaceIndex.Imaging;

/// <summary>Something odd about an image that did not stop it from decoding.</summary>
public enum DecodeWarningKind
{
    /// <summary>The file extension names another format than the content (e.g. a WebP named .jpg).</summary>
    ExtensionMismatch,

    /// <summary>The data stops early; decoded anyway because <see cref="ImageDecoderOptions.AllowTruncated"/> is on.</summary>
    Truncated,

    /// <summary>The EXIF orientation tag holds a value outside 1..8; it was ignored.</summary>
    InvalidOrientation,
}

/// <summary>A warning attached to a decoded image, with a message that names the file.</summary>
public sealed record DecodeWarning(DecodeWarningKind Kind, string Message);

/// <summary>
/// A decoded image: upright RGB8 pixels, the format found from the content, the stored size before EXIF rotation,
/// the EXIF orientation tag (null when absent) and whether it was applied, whether alpha was composited, and warnings.
/// </summary>
public sealed record DecodedImage(
    RgbImage Image,
    ImageFormatKind Format,
    int OriginalWidth,
    int OriginalHeight,
    ushort? ExifOrientation,
    bool OrientationApplied,
    bool HadAlpha,
    IReadOnlyList<DecodeWarning> Warnings);
