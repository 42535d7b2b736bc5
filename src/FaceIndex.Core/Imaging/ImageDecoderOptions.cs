namespace FaceIndex.Imaging;

/// <summary>Limits and policies of <see cref="ImageDecoder"/>; the defaults suit photo collections from unknown sources.</summary>
public sealed record ImageDecoderOptions
{
    /// <summary>The defaults: 50 megapixels, 100 MiB, 30 s, extensions checked leniently, truncated images refused.</summary>
    public static ImageDecoderOptions Default { get; } = new();

    /// <summary>Largest width x height accepted, checked from the header before any pixel buffer exists; at most int.MaxValue / 3.</summary>
    public long MaxPixels { get; init; } = 50_000_000;

    /// <summary>Largest file (or stream, or buffer) accepted, in bytes.</summary>
    public long MaxBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary>
    /// The formats decoded; others are refused as UnsupportedFormat before a decoder runs. For untrusted input,
    /// consider JPEG and PNG only: the GIF, TIFF and WebP decoders have the worst record (see Imaging/README.md).
    /// </summary>
    public IReadOnlySet<ImageFormatKind> Formats { get; init; } = new HashSet<ImageFormatKind>(Enum.GetValues<ImageFormatKind>());

    /// <summary>When true, an extension that names another format than the content is an error rather than a warning.</summary>
    public bool StrictExtensions { get; init; }

    /// <summary>When true, a JPEG or PNG that stops early is decoded (the missing part stays grey/black) with a warning.</summary>
    public bool AllowTruncated { get; init; }

    /// <summary>Wall-clock budget for identifying and decoding one image; the decoders check it cooperatively.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(30);

    /// <summary>The clock that runs <see cref="Timeout"/>; the system clock unless a test supplies its own.</summary>
    public TimeProvider TimeProvider { get; init; } = TimeProvider.System;

    /// <summary>Largest single (possibly discontiguous) buffer ImageSharp may allocate; null derives it from <see cref="MaxPixels"/> (8 bytes a pixel).</summary>
    public int? AllocationLimitMegabytes { get; init; }

    /// <summary>How much freed buffer memory ImageSharp's pool may keep for reuse.</summary>
    public int MaximumPoolSizeMegabytes { get; init; } = 64;

    /// <summary>The allocation limit in effect: the explicit one, or 8 bytes for each of <see cref="MaxPixels"/>, at least 16 MiB.</summary>
    public int EffectiveAllocationLimitMegabytes =>
        AllocationLimitMegabytes ?? (int)Math.Clamp((MaxPixels * 8 + (1L << 20) - 1) >> 20, 16, int.MaxValue);

    internal void Validate()
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxPixels);

        // An RgbImage is one byte array, so it cannot hold more than int.MaxValue / 3 pixels.
        ArgumentOutOfRangeException.ThrowIfGreaterThan(MaxPixels, int.MaxValue / 3);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(MaxBytes);
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(Timeout, TimeSpan.Zero);
        ArgumentOutOfRangeException.ThrowIfNegative(MaximumPoolSizeMegabytes);
        ArgumentNullException.ThrowIfNull(Formats);
        ArgumentNullException.ThrowIfNull(TimeProvider);
        if (Formats.Count == 0)
        {
            throw new ArgumentException("at least one format must be enabled", nameof(Formats));
        }
        if (AllocationLimitMegabytes is { } limit)
        {
            ArgumentOutOfRangeException.ThrowIfNegativeOrZero(limit);
        }
    }
}
