namespace FaceIndex.Imaging;

/// <summary>Why an image could not be decoded: machine-readable, one value per thing a user can act on.</summary>
public enum ImageDecodeReason
{
    /// <summary>The path does not exist (or names a directory).</summary>
    NotFound,

    /// <summary>The file exists but could not be read (permissions, I/O error).</summary>
    Unreadable,

    /// <summary>Zero bytes.</summary>
    Empty,

    /// <summary>More bytes than <see cref="ImageDecoderOptions.MaxBytes"/>.</summary>
    TooLarge,

    /// <summary>The header declares more pixels than <see cref="ImageDecoderOptions.MaxPixels"/>, or a zero side.</summary>
    TooManyPixels,

    /// <summary>The first bytes match no image signature at all (text, random data, an archive...).</summary>
    NotAnImage,

    /// <summary>A recognised image format (HEIC, AVIF, JPEG 2000, PSD...) or a variant of one that is not decoded.</summary>
    UnsupportedFormat,

    /// <summary>The data stops before the image ends.</summary>
    Truncated,

    /// <summary>The data is damaged or inconsistent; the decoder failed on it.</summary>
    Corrupt,

    /// <summary>Decoding would have needed more memory than the allocator's limit.</summary>
    ResourceLimit,

    /// <summary>Decoding took longer than <see cref="ImageDecoderOptions.Timeout"/>.</summary>
    TimedOut,

    /// <summary>The extension names another format and <see cref="ImageDecoderOptions.StrictExtensions"/> is on.</summary>
    ExtensionMismatch,
}
