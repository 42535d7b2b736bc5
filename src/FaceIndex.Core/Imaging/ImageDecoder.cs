using System.Globalization;
using System.Runtime.InteropServices;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.Formats;
using SixLabors.ImageSharp.Formats.Bmp;
using SixLabors.ImageSharp.Formats.Gif;
using SixLabors.ImageSharp.Formats.Jpeg;
using SixLabors.ImageSharp.Formats.Png;
using SixLabors.ImageSharp.Formats.Tiff;
using SixLabors.ImageSharp.Formats.Webp;
using SixLabors.ImageSharp.Memory;
using SixLabors.ImageSharp.Metadata;
using SixLabors.ImageSharp.Metadata.Profiles.Exif;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;
using SharpDecoder = SixLabors.ImageSharp.Formats.IImageDecoder;

namespace FaceIndex.Imaging;

/// <summary>
/// Decodes JPEG, PNG, WebP, BMP, GIF (first frame) and TIFF (first page) into upright RGB8 with ImageSharp 2.1, after
/// checking the signature, the byte size and the header's pixel count itself. Thread-safe; create one and reuse it
/// (it owns a pooled memory allocator).
/// </summary>
public sealed class ImageDecoder : IImageDecoder
{
    private readonly Configuration configuration;
    private readonly Dictionary<ImageFormatKind, SharpDecoder> decoders;

    public ImageDecoder()
        : this(ImageDecoderOptions.Default)
    {
    }

    public ImageDecoder(ImageDecoderOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        options.Validate();
        Options = options;

        // A private Configuration holding only our six formats and a bounded allocator: Configuration.Default would
        // also accept TGA and PBM and share an unbounded allocator with the rest of the process.
        configuration = new Configuration(
            new JpegConfigurationModule(),
            new PngConfigurationModule(),
            new WebpConfigurationModule(),
            new BmpConfigurationModule(),
            new GifConfigurationModule(),
            new TiffConfigurationModule())
        {
            MemoryAllocator = MemoryAllocator.Create(new MemoryAllocatorOptions
            {
                MaximumPoolSizeMegabytes = options.MaximumPoolSizeMegabytes,
                AllocationLimitMegabytes = options.EffectiveAllocationLimitMegabytes,
            }),
        };

        decoders = new Dictionary<ImageFormatKind, SharpDecoder>
        {
            [ImageFormatKind.Jpeg] = new JpegDecoder(),
            [ImageFormatKind.Png] = new PngDecoder(),
            [ImageFormatKind.Webp] = new WebpDecoder(),
            [ImageFormatKind.Bmp] = new BmpDecoder(),

            // Only the first frame or page is wanted; decoding all of them would multiply memory by the frame count.
            [ImageFormatKind.Gif] = new GifDecoder { DecodingMode = FrameDecodingMode.First },
            [ImageFormatKind.Tiff] = new TiffDecoder { DecodingMode = FrameDecodingMode.First },
        };

        var formats = configuration.ImageFormatsManager;
        formats.SetDecoder(JpegFormat.Instance, decoders[ImageFormatKind.Jpeg]);
        formats.SetDecoder(PngFormat.Instance, decoders[ImageFormatKind.Png]);
        formats.SetDecoder(WebpFormat.Instance, decoders[ImageFormatKind.Webp]);
        formats.SetDecoder(BmpFormat.Instance, decoders[ImageFormatKind.Bmp]);
        formats.SetDecoder(GifFormat.Instance, decoders[ImageFormatKind.Gif]);
        formats.SetDecoder(TiffFormat.Instance, decoders[ImageFormatKind.Tiff]);
    }

    public ImageDecoderOptions Options { get; }

    /// <inheritdoc />
    public DecodedImage Decode(string path, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw Fail(path, ImageDecodeReason.NotFound, Directory.Exists(path)
                ? "is a directory, not an image file. Pass the files inside it."
                : "no such file. Check the path, and that the folder holding it is mounted and readable.");
        }

        FileStream file;
        try
        {
            file = Open(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(path, ImageDecodeReason.Unreadable, $"could not be opened ({e.Message}). Check its permissions and the disk.", e);
        }

        // The length is only a hint (a device or a growing file may report 0 or less than it yields): the read itself is bounded.
        using (file)
        {
            if (file.CanSeek && file.Length > Options.MaxBytes)
            {
                throw TooLarge(path, file.Length);
            }

            return Decode(file, path, cancellationToken);
        }
    }

    /// <inheritdoc />
    public DecodedImage Decode(Stream stream, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(stream);
        ArgumentNullException.ThrowIfNull(sourceName);
        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        try
        {
            int read;
            while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
            {
                // Stop reading once past the limit, so an endless stream cannot fill memory.
                if (buffer.Length + read > Options.MaxBytes)
                {
                    throw TooLarge(sourceName, buffer.Length + read);
                }

                buffer.Write(chunk, 0, read);
                cancellationToken.ThrowIfCancellationRequested();
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw Fail(sourceName, ImageDecodeReason.Unreadable, $"could not be read ({e.Message}). Check its permissions and the disk.", e);
        }

        return Decode(buffer.GetBuffer().AsMemory(0, (int)buffer.Length), sourceName, cancellationToken);
    }

    /// <inheritdoc />
    public DecodedImage Decode(ReadOnlyMemory<byte> data, string sourceName, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(sourceName);
        if (data.IsEmpty)
        {
            throw Fail(sourceName, ImageDecodeReason.Empty, "is empty (0 bytes). Copy or download it again; there is nothing to decode.");
        }

        if (data.Length > Options.MaxBytes)
        {
            throw TooLarge(sourceName, data.Length);
        }

        var warnings = new List<DecodeWarning>();
        var format = DetectFormat(data.Span, sourceName);
        if (!Options.Formats.Contains(format))
        {
            throw Fail(sourceName, ImageDecodeReason.UnsupportedFormat,
                $"is a {Name(format)} file, and {Name(format)} is turned off in ImageDecoderOptions.Formats. Convert it to one of {string.Join(", ", Options.Formats.Order().Select(Name))}, or enable the format.");
        }

        CheckExtension(sourceName, format, warnings);
        CheckComplete(data.Span, sourceName, format, warnings);

        using var budget = new CancellationTokenSource(Options.Timeout, Options.TimeProvider);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, budget.Token);
        try
        {
            return DecodeChecked(data, sourceName, format, warnings, timeout.Token);
        }
        catch (ImageDecodeException)
        {
            throw;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            throw;
        }
        catch (OperationCanceledException e)
        {
            throw Fail(sourceName, ImageDecodeReason.TimedOut,
                $"decoding the {Name(format)} data took longer than {Options.Timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s (a damaged or crafted file). Check the file, or raise ImageDecoderOptions.Timeout if it is trusted and simply large.", e);
        }
#pragma warning disable CA1031 // Every decoder failure, whatever its type (IndexOutOfRange, NullReference...), must reach the caller as an ImageDecodeException with the file named.
        catch (Exception e)
#pragma warning restore CA1031
        {
            // When the structure check already found the data cut short, that is the cause whatever the decoder says.
            throw warnings.Exists(w => w.Kind == DecodeWarningKind.Truncated)
                ? TruncatedFromDecoder(sourceName, Name(format), e)
                : Translate(e, sourceName, format);
        }
    }

    /// <summary>
    /// Opens a file for reading. A named pipe (FIFO) looks like an empty file but blocks in open() until a writer
    /// comes, so a zero-length path is opened on another thread and given up on after the timeout.
    /// </summary>
    private FileStream Open(string path)
    {
        static FileStream OpenNow(string path) =>
            new(path, FileMode.Open, FileAccess.Read, FileShare.Read, bufferSize: 1, FileOptions.SequentialScan);

        if (new FileInfo(path).Length > 0)
        {
            return OpenNow(path);
        }

        var opening = Task.Run(() => OpenNow(path));
        if (!opening.Wait(Options.Timeout))
        {
            // The blocked open() cannot be cancelled; if it ever completes, close what it opened.
            _ = opening.ContinueWith(t => t.Result.Dispose(), TaskContinuationOptions.OnlyOnRanToCompletion);
            throw new IOException("it is not a regular file (a named pipe?) and opening it did not complete");
        }

        return opening.GetAwaiter().GetResult();
    }

    private DecodedImage DecodeChecked(ReadOnlyMemory<byte> data, string name, ImageFormatKind format, List<DecodeWarning> warnings, CancellationToken token)
    {
        var decoder = decoders[format];

        // Identify reads the header only; the pixel limit is enforced before any pixel buffer is allocated.
        IImageInfo info;
        using (var stream = OpenRead(data))
        {
            info = ((IImageInfoDetector)decoder).Identify(configuration, stream, token);
        }

        CheckPixels(name, format, info.Width, info.Height);
        token.ThrowIfCancellationRequested();

        // JPEG has no alpha: decode straight to RGB. Other formats may carry alpha, which is composited over white.
        using var stream2 = OpenRead(data);
        using Image image = format == ImageFormatKind.Jpeg
            ? decoder.Decode<Rgb24>(configuration, stream2, token)
            : decoder.Decode<Rgba32>(configuration, stream2, token);

        // The decoder's own idea of the size is what was allocated; a header that lied to Identify is caught here.
        CheckPixels(name, format, image.Width, image.Height);
        int originalWidth = image.Width, originalHeight = image.Height;

        var (orientation, apply) = ReadOrientation(image.Metadata, name, warnings);
        if (apply)
        {
            token.ThrowIfCancellationRequested();
            image.Mutate(x => x.AutoOrient());
        }

        var (rgb, hadAlpha) = image switch
        {
            Image<Rgb24> rgb24 => (CopyRgb(rgb24), false),
            Image<Rgba32> rgba32 => CompositeOverWhite(rgba32),
            _ => throw new InvalidOperationException("unexpected pixel type"),
        };

        return new DecodedImage(rgb, format, originalWidth, originalHeight, orientation, apply, hadAlpha, warnings);
    }

    private static ImageFormatKind DetectFormat(ReadOnlySpan<byte> data, string name)
    {
        var sniff = ImageSignature.Sniff(data);
        if (sniff.Format is { } format)
        {
            return format;
        }

        if (sniff.TooShort)
        {
            throw Fail(name, ImageDecodeReason.Truncated,
                $"is only {data.Length} bytes: it begins like an image but stops inside the signature. Copy or download it again.");
        }

        if (sniff.UnsupportedName is { } unsupported)
        {
            throw Fail(name, ImageDecodeReason.UnsupportedFormat,
                $"is a {unsupported} file, which FaceIndex does not decode (JPEG, PNG, WebP, BMP, GIF and TIFF only). Convert it to JPEG or PNG.");
        }

        var head = Convert.ToHexString(data[..Math.Min(8, data.Length)]);
        throw Fail(name, ImageDecodeReason.NotAnImage,
            $"is not an image: its first bytes ({head}) match none of JPEG, PNG, WebP, BMP, GIF or TIFF. Remove it from the collection, or convert it if it is an image in another format.");
    }

    private void CheckExtension(string name, ImageFormatKind format, List<DecodeWarning> warnings)
    {
        var extension = Path.GetExtension(name);
        if (extension.Length == 0 || ImageSignature.FormatOfExtension(extension) == format)
        {
            return;
        }

        var proper = ProperExtension(format);
        if (Options.StrictExtensions)
        {
            throw Fail(name, ImageDecodeReason.ExtensionMismatch,
                $"is named '{Printable(extension)}' but its content is {Name(format)}. Rename it to '{proper}', or turn ImageDecoderOptions.StrictExtensions off to decode by content.");
        }

        warnings.Add(new DecodeWarning(DecodeWarningKind.ExtensionMismatch,
            $"{Printable(name)}: named '{Printable(extension)}' but its content is {Name(format)}; decoded as {Name(format)}. Rename it to '{proper}' to silence this warning."));
    }

    private void CheckComplete(ReadOnlySpan<byte> data, string name, ImageFormatKind format, List<DecodeWarning> warnings)
    {
        var truncated = format switch
        {
            ImageFormatKind.Jpeg => ImageSignature.JpegIsTruncated(data),
            ImageFormatKind.Png => ImageSignature.PngIsTruncated(data),
            _ => null,
        };
        if (truncated != true)
        {
            return;
        }

        var what = format == ImageFormatKind.Jpeg ? "no end-of-image marker after the image data" : "no IEND chunk; the last chunk runs past the end";
        if (!Options.AllowTruncated)
        {
            throw Fail(name, ImageDecodeReason.Truncated,
                $"the {Name(format)} data stops before the image ends ({what}; {data.Length} bytes), as after an interrupted copy or download. Copy it again, or set ImageDecoderOptions.AllowTruncated to decode what is there.");
        }

        warnings.Add(new DecodeWarning(DecodeWarningKind.Truncated,
            $"{Printable(name)}: the {Name(format)} data stops before the image ends ({what}); the missing part is filled in."));
    }

    private void CheckPixels(string name, ImageFormatKind format, int width, int height)
    {
        if (width <= 0 || height <= 0)
        {
            throw Fail(name, ImageDecodeReason.Corrupt,
                $"the {Name(format)} header declares a {width}x{height} image, which has no pixels. The file is damaged; copy it again or re-export it.");
        }

        var pixels = (long)width * height;
        if (pixels > Options.MaxPixels)
        {
            throw Fail(name, ImageDecodeReason.TooManyPixels,
                $"the {Name(format)} header declares {width}x{height} = {pixels:N0} pixels, more than the limit of {Options.MaxPixels:N0}; refused before decoding. Downscale it, or raise ImageDecoderOptions.MaxPixels if the file is trusted.");
        }
    }

    private static (ushort? Value, bool Apply) ReadOrientation(ImageMetadata metadata, string name, List<DecodeWarning> warnings)
    {
        if (metadata.ExifProfile?.GetValue(ExifTag.Orientation) is not { } tag)
        {
            return (null, false);
        }

        var value = tag.Value;
        if (value is < 1 or > 8)
        {
            warnings.Add(new DecodeWarning(DecodeWarningKind.InvalidOrientation,
                $"{Printable(name)}: the EXIF orientation tag holds {value}, not 1..8; the image is used as stored."));
            return (value, false);
        }

        return (value, value != 1);
    }

    private ImageDecodeException Translate(Exception e, string name, ImageFormatKind format)
    {
        var fmt = Name(format);
        return e switch
        {
            InvalidMemoryOperationException or OutOfMemoryException => Fail(name, ImageDecodeReason.ResourceLimit,
                $"decoding the {fmt} data needed a buffer over the {Options.EffectiveAllocationLimitMegabytes} MiB allocation limit (a damaged or crafted file; {e.Message}). Check the file, or raise ImageDecoderOptions.AllocationLimitMegabytes if it is trusted.", e),
            NotSupportedException => Fail(name, ImageDecodeReason.UnsupportedFormat,
                $"uses a {fmt} feature the decoder does not support ({e.Message}). Convert it to a baseline JPEG or a PNG.", e),
            EndOfStreamException => TruncatedFromDecoder(name, fmt, e),
            ImageFormatException when LooksTruncated(e.Message) => TruncatedFromDecoder(name, fmt, e),
            _ => Fail(name, ImageDecodeReason.Corrupt,
                $"the {fmt} data is damaged; the decoder failed with {e.GetType().Name}: {e.Message}. Copy it again or re-export it from the original.", e),
        };
    }

    private static ImageDecodeException TruncatedFromDecoder(string name, string fmt, Exception e) =>
        Fail(name, ImageDecodeReason.Truncated,
            $"the {fmt} data stops before the image ends ({e.Message}). Copy or download it again.", e);

    private static bool LooksTruncated(string message) =>
        message.Contains("end of stream", StringComparison.OrdinalIgnoreCase)
        || message.Contains("end of the stream", StringComparison.OrdinalIgnoreCase)
        || message.Contains("not enough data", StringComparison.OrdinalIgnoreCase)
        || message.Contains("EOF", StringComparison.Ordinal);

    private ImageDecodeException TooLarge(string name, long length) =>
        Fail(name, ImageDecodeReason.TooLarge,
            $"is {length:N0} bytes, more than the limit of {Options.MaxBytes:N0}; refused unread. Downscale or recompress it, or raise ImageDecoderOptions.MaxBytes if the file is trusted.");

    private static ImageDecodeException Fail(string name, ImageDecodeReason reason, string what, Exception? inner = null) =>
        new(name, reason, $"{Printable(name)}: {what}", inner);

    /// <summary>The name with control characters replaced, so a crafted file name cannot forge lines in a log or a terminal.</summary>
    private static string Printable(string name) =>
        name.Any(char.IsControl) ? string.Concat(name.Select(c => char.IsControl(c) ? '?' : c)) : name;

    private static MemoryStream OpenRead(ReadOnlyMemory<byte> data) =>
        MemoryMarshal.TryGetArray(data, out var segment) && segment.Array is not null
            ? new MemoryStream(segment.Array, segment.Offset, segment.Count, writable: false)
            : new MemoryStream(data.ToArray(), writable: false);

    private static RgbImage CopyRgb(Image<Rgb24> image)
    {
        // Uninitialised: every byte is written below, and zeroing a large array costs as much as filling it.
        var pixels = GC.AllocateUninitializedArray<byte>(checked(image.Width * image.Height * 3));
        image.CopyPixelDataTo(MemoryMarshal.Cast<byte, Rgb24>(pixels.AsSpan()));
        return new RgbImage(image.Width, image.Height, pixels);
    }

    /// <summary>Alpha is composited over white (what a viewer on a white page shows), never dropped: dropping it would expose whatever colour hides under transparent pixels.</summary>
    private static (RgbImage Image, bool HadAlpha) CompositeOverWhite(Image<Rgba32> image)
    {
        var width = image.Width;
        var pixels = GC.AllocateUninitializedArray<byte>(checked(width * image.Height * 3));
        var hadAlpha = false;
        image.ProcessPixelRows(accessor =>
        {
            for (var y = 0; y < accessor.Height; y++)
            {
                var row = accessor.GetRowSpan(y);
                var dst = pixels.AsSpan(y * width * 3, width * 3);
                for (var x = 0; x < row.Length; x++)
                {
                    var p = row[x];
                    if (p.A == 255)
                    {
                        dst[3 * x] = p.R;
                        dst[(3 * x) + 1] = p.G;
                        dst[(3 * x) + 2] = p.B;
                        continue;
                    }

                    hadAlpha = true;
                    var a = p.A;
                    var white = 255 * (255 - a);
                    dst[3 * x] = (byte)(((p.R * a) + white + 127) / 255);
                    dst[(3 * x) + 1] = (byte)(((p.G * a) + white + 127) / 255);
                    dst[(3 * x) + 2] = (byte)(((p.B * a) + white + 127) / 255);
                }
            }
        });
        return (new RgbImage(width, image.Height, pixels), hadAlpha);
    }

    private static string Name(ImageFormatKind format) => format switch
    {
        ImageFormatKind.Jpeg => "JPEG",
        ImageFormatKind.Png => "PNG",
        ImageFormatKind.Webp => "WebP",
        ImageFormatKind.Bmp => "BMP",
        ImageFormatKind.Gif => "GIF",
        ImageFormatKind.Tiff => "TIFF",
        _ => format.ToString(),
    };

    private static string ProperExtension(ImageFormatKind format) => format switch
    {
        ImageFormatKind.Jpeg => ".jpg",
        ImageFormatKind.Tiff => ".tif",
        _ => "." + format.ToString().ToLowerInvariant(),
    };
}
