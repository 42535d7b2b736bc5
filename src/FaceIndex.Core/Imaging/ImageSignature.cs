using System.Buffers.Binary;

namespace FaceIndex.Imaging;

/// <summary>What the first bytes of a file say it is.</summary>
internal readonly record struct SniffResult(ImageFormatKind? Format, string? UnsupportedName, bool TooShort)
{
    public static SniffResult Of(ImageFormatKind format) => new(format, null, false);

    public static SniffResult Unsupported(string name) => new(null, name, false);

    public static SniffResult Unknown { get; } = new(null, null, false);

    public static SniffResult Short { get; } = new(null, null, true);
}

/// <summary>
/// Magic-byte checks done before ImageSharp sees a byte, plus cheap structural checks (does a JPEG reach its EOI,
/// does a PNG reach IEND). Our own code, so a refusal never depends on a decoder's detection logic.
/// </summary>
internal static class ImageSignature
{
    private static ReadOnlySpan<byte> Png => [0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A];

    public static SniffResult Sniff(ReadOnlySpan<byte> d)
    {
        // A prefix of a known signature that stops early is a truncated image, not "not an image".
        if (d.Length < 12)
        {
            return IsPrefixOfSignature(d) ? SniffResult.Short : SniffResult.Unknown;
        }

        if (d[0] == 0xFF && d[1] == 0xD8 && d[2] == 0xFF)
        {
            return SniffResult.Of(ImageFormatKind.Jpeg);
        }

        if (d.StartsWith(Png))
        {
            return SniffResult.Of(ImageFormatKind.Png);
        }

        if (d.StartsWith("RIFF"u8) && d[8..].StartsWith("WEBP"u8))
        {
            return SniffResult.Of(ImageFormatKind.Webp);
        }

        if (d.StartsWith("GIF87a"u8) || d.StartsWith("GIF89a"u8))
        {
            return SniffResult.Of(ImageFormatKind.Gif);
        }

        if (d.StartsWith("II*\0"u8) || d.StartsWith("MM\0*"u8))
        {
            return SniffResult.Of(ImageFormatKind.Tiff);
        }

        if (d.StartsWith("II+\0"u8) || d.StartsWith("MM\0+"u8))
        {
            return SniffResult.Unsupported("BigTIFF");
        }

        // "BM" alone is too weak (any text may start with it): also require a known DIB header size.
        if (d[0] == (byte)'B' && d[1] == (byte)'M')
        {
            if (d.Length < 18)
            {
                return SniffResult.Short;
            }

            var dibSize = BinaryPrimitives.ReadUInt32LittleEndian(d[14..]);
            if (dibSize is 12 or 16 or 40 or 52 or 56 or 64 or 108 or 124)
            {
                return SniffResult.Of(ImageFormatKind.Bmp);
            }
        }

        return SniffUnsupported(d);
    }

    /// <summary>The format an extension names, or null for an extension that names no image format we know.</summary>
    public static ImageFormatKind? FormatOfExtension(string extension) => extension.ToUpperInvariant() switch
    {
        ".JPG" or ".JPEG" or ".JPE" or ".JFIF" or ".JIF" => ImageFormatKind.Jpeg,
        ".PNG" => ImageFormatKind.Png,
        ".WEBP" => ImageFormatKind.Webp,
        ".BMP" or ".DIB" => ImageFormatKind.Bmp,
        ".GIF" => ImageFormatKind.Gif,
        ".TIF" or ".TIFF" => ImageFormatKind.Tiff,
        _ => null,
    };

    /// <summary>
    /// True when a JPEG's entropy-coded data after its first SOS never reaches an EOI marker. Inside scan data a 0xFF
    /// is always followed by 0x00 or RSTn, so FF D9 after SOS can only be the real end. Null when the markers before
    /// SOS cannot be walked (the decoder will then judge the file).
    /// </summary>
    public static bool? JpegIsTruncated(ReadOnlySpan<byte> d)
    {
        var pos = 2;
        while (true)
        {
            // Fill bytes (several 0xFF) may precede a marker.
            while (pos < d.Length && d[pos] == 0xFF && pos + 1 < d.Length && d[pos + 1] == 0xFF)
            {
                pos++;
            }

            if (pos + 4 > d.Length)
            {
                return true;
            }

            if (d[pos] != 0xFF)
            {
                return null;
            }

            var marker = d[pos + 1];
            if (marker == 0xD9)
            {
                return false;
            }

            if (marker is 0x01 or (>= 0xD0 and <= 0xD7))
            {
                pos += 2;
                continue;
            }

            var length = BinaryPrimitives.ReadUInt16BigEndian(d[(pos + 2)..]);
            if (length < 2)
            {
                return null;
            }

            var next = pos + 2 + length;
            if (next > d.Length)
            {
                return true;
            }

            if (marker == 0xDA)
            {
                return d[next..].IndexOf([(byte)0xFF, (byte)0xD9]) < 0;
            }

            pos = next;
        }
    }

    /// <summary>True when a PNG's chunk chain runs off the end of the data before IEND; null when the chain is not walkable.</summary>
    public static bool? PngIsTruncated(ReadOnlySpan<byte> d)
    {
        long pos = 8;
        while (true)
        {
            if (pos + 12 > d.Length)
            {
                return true;
            }

            var length = BinaryPrimitives.ReadUInt32BigEndian(d[(int)pos..]);
            if (length > int.MaxValue)
            {
                return null;
            }

            if (d.Slice((int)pos + 4, 4).SequenceEqual("IEND"u8))
            {
                return false;
            }

            pos += 12L + length;
        }
    }

    private static SniffResult SniffUnsupported(ReadOnlySpan<byte> d)
    {
        if (d[4..].StartsWith("ftyp"u8))
        {
            var brand = d.Slice(8, 4);
            if (brand.StartsWith("avi"u8))
            {
                return SniffResult.Unsupported("AVIF");
            }

            if (brand.StartsWith("hei"u8) || brand.StartsWith("mif1"u8) || brand.StartsWith("msf1"u8) || brand.StartsWith("hev"u8))
            {
                return SniffResult.Unsupported("HEIC/HEIF");
            }

            return SniffResult.Unknown;
        }

        return d switch
        {
            [0x00, 0x00, 0x00, 0x0C, 0x6A, 0x50, 0x20, 0x20, ..] or [0xFF, 0x4F, 0xFF, 0x51, ..] => SniffResult.Unsupported("JPEG 2000"),
            [0x00, 0x00, 0x00, 0x0C, 0x4A, 0x58, 0x4C, 0x20, ..] or [0xFF, 0x0A, ..] => SniffResult.Unsupported("JPEG XL"),
            [(byte)'8', (byte)'B', (byte)'P', (byte)'S', ..] => SniffResult.Unsupported("Photoshop PSD"),
            [0x00, 0x00, 0x01, 0x00, ..] => SniffResult.Unsupported("Windows icon (ICO)"),
            [(byte)'%', (byte)'P', (byte)'D', (byte)'F', ..] => SniffResult.Unsupported("PDF"),
            [(byte)'q', (byte)'o', (byte)'i', (byte)'f', ..] => SniffResult.Unsupported("QOI"),
            [0x76, 0x2F, 0x31, 0x01, ..] => SniffResult.Unsupported("OpenEXR"),
            [(byte)'R', (byte)'I', (byte)'F', (byte)'F', ..] => SniffResult.Unsupported("RIFF (not WebP)"),
            _ => SniffResult.Unknown,
        };
    }

    private static bool IsPrefixOfSignature(ReadOnlySpan<byte> d)
    {
        // One or two bytes say too little; from two on, a file that agrees with a signature as far as it goes is cut short.
        if (d.Length < 2)
        {
            return false;
        }

        return PrefixMatches(d, [0xFF, 0xD8, 0xFF]) || PrefixMatches(d, Png)
            || PrefixMatches(d, "GIF87a"u8) || PrefixMatches(d, "GIF89a"u8)
            || PrefixMatches(d, "II*\0"u8) || PrefixMatches(d, "MM\0*"u8)
            || PrefixMatches(d, "RIFF"u8) || PrefixMatches(d, "BM"u8);
    }

    private static bool PrefixMatches(ReadOnlySpan<byte> data, ReadOnlySpan<byte> signature)
    {
        var n = Math.Min(data.Length, signature.Length);
        return data[..n].SequenceEqual(signature[..n]);
    }
}
