using FaceIndex.Imaging;
using FaceIndex.Tests;
using Xunit.Abstractions;

namespace FaceIndex.Core.Tests.Imaging;

/// <summary>Every supported format and colour type decodes to RGB8 matching the lossless reference.</summary>
public sealed class ImageDecoderFormatTests(ITestOutputHelper output)
{
    private static readonly ImageDecoder Decoder = new();
    private static readonly RgbImage Reference = Decoder.Decode(TestImages.Format("ref_rgb.png")).Image;

    [Theory]
    [MemberData(nameof(TestImages.AllFormats), MemberType = typeof(TestImages))]
    public void Every_format_decodes_to_rgb8_of_the_stored_size(string file, ImageFormatKind format)
    {
        var decoded = Decoder.Decode(TestImages.Format(file));

        Assert.Equal(format, decoded.Format);
        Assert.Equal((64, 48), (decoded.Image.Width, decoded.Image.Height));
        Assert.Equal((64, 48), (decoded.OriginalWidth, decoded.OriginalHeight));
        Assert.Equal(64 * 48 * 3, decoded.Image.Pixels.Length);
        Assert.Empty(decoded.Warnings);
        Assert.False(decoded.OrientationApplied);
    }

    [Theory]
    [InlineData("png_rgb8.png", 0.0)]
    [InlineData("png_rgb16.png", 0.0)]
    [InlineData("bmp_24.bmp", 0.0)]
    [InlineData("tiff_lzw.tif", 0.0)]
    [InlineData("tiff_two_pages.tif", 0.0)]
    [InlineData("webp_lossless.webp", 0.0)]
    [InlineData("jpeg_444.jpg", 3.0)]
    [InlineData("jpeg_baseline.jpg", 7.0)]
    [InlineData("jpeg_progressive.jpg", 4.0)]
    [InlineData("webp_lossy.webp", 5.0)]
    [InlineData("png_palette.png", 7.0)]
    [InlineData("gif_two_frames.gif", 6.0)]
    [InlineData("jpeg_cmyk.jpg", 6.0)]
    public void Colour_files_match_the_reference(string file, double tolerance)
    {
        var decoded = Decoder.Decode(TestImages.Format(file)).Image;

        var diff = TestImages.MeanAbsDiff(decoded, Reference);
        output.WriteLine($"{file}: mean |diff| = {diff:F2}");
        Assert.True(diff <= tolerance, $"{file}: mean |diff| {diff:F2} > {tolerance}");
    }

    [Theory]
    [InlineData("png_gray8.png")]
    [InlineData("png_gray16.png")]
    [InlineData("jpeg_gray.jpg")]
    public void Grayscale_files_become_rgb_with_equal_channels_matching_the_luma(string file)
    {
        var decoded = Decoder.Decode(TestImages.Format(file)).Image;

        for (var i = 0; i < decoded.Pixels.Length; i += 3)
        {
            Assert.True(decoded.Pixels[i] == decoded.Pixels[i + 1] && decoded.Pixels[i] == decoded.Pixels[i + 2], $"{file}: pixel {i / 3} is not gray");
        }

        // ImageMagick's gray is not exactly Rec. 601 luma, hence the tolerance.
        var diff = TestImages.MeanAbsDiff(decoded, TestImages.Luma(Reference));
        output.WriteLine($"{file}: mean |diff| to luma = {diff:F2}");
        Assert.True(diff <= 6.0, $"{file}: mean |diff| to luma {diff:F2}");
    }

    [Fact]
    public void Gif_and_tiff_give_their_first_frame_not_the_second()
    {
        // Frame two is the negative: against the reference it would differ by ~100 a channel.
        foreach (var file in new[] { "gif_two_frames.gif", "tiff_two_pages.tif" })
        {
            var decoded = Decoder.Decode(TestImages.Format(file)).Image;
            Assert.True(TestImages.MeanAbsDiff(decoded, Reference) < 10, file);
        }
    }

    [Fact]
    public void Alpha_is_composited_over_white()
    {
        // png_rgba.png: the left half (x < 32) fully transparent, the right half opaque.
        var decoded = Decoder.Decode(TestImages.Format("png_rgba.png"));

        Assert.True(decoded.HadAlpha);
        for (var y = 0; y < 48; y++)
        {
            Assert.Equal(((byte)255, (byte)255, (byte)255), TestImages.At(decoded.Image, 5, y));
            Assert.Equal(TestImages.At(Reference, 50, y), TestImages.At(decoded.Image, 50, y));
        }
    }

    [Fact]
    public void Gray_with_alpha_fades_to_white_where_transparent()
    {
        // png_gray_alpha.png: alpha is a vertical gradient, opaque at the top, transparent at the bottom.
        var decoded = Decoder.Decode(TestImages.Format("png_gray_alpha.png"));
        var luma = TestImages.Luma(Reference);

        Assert.True(decoded.HadAlpha);
        for (var x = 0; x < 64; x += 7)
        {
            Assert.InRange(Math.Abs(TestImages.At(decoded.Image, x, 0).R - TestImages.At(luma, x, 0).R), 0, 12);
            Assert.Equal(255, TestImages.At(decoded.Image, x, 47).R);
        }
    }

    [Fact]
    public void Opaque_images_report_no_alpha()
    {
        Assert.False(Decoder.Decode(TestImages.Format("png_rgb8.png")).HadAlpha);
        Assert.False(Decoder.Decode(TestImages.Format("jpeg_baseline.jpg")).HadAlpha);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    [InlineData(6)]
    [InlineData(7)]
    [InlineData(8)]
    public void Exif_orientation_is_applied_and_reported(int orientation)
    {
        var decoded = Decoder.Decode(TestImages.Orient(orientation));

        Assert.Equal((ushort)orientation, decoded.ExifOrientation);
        Assert.Equal(orientation != 1, decoded.OrientationApplied);
        var rotated = orientation >= 5;
        Assert.Equal(rotated ? (32, 48) : (48, 32), (decoded.OriginalWidth, decoded.OriginalHeight));

        // Upright: red top-left, green top-right, blue bottom-left, yellow bottom-right.
        var image = decoded.Image;
        Assert.Equal((48, 32), (image.Width, image.Height));
        AssertNear((255, 0, 0), TestImages.At(image, 6, 4));
        AssertNear((0, 255, 0), TestImages.At(image, 42, 4));
        AssertNear((0, 0, 255), TestImages.At(image, 6, 28));
        AssertNear((255, 255, 0), TestImages.At(image, 42, 28));
    }

    [Fact]
    public void A_webp_named_jpg_decodes_by_content_with_an_extension_warning()
    {
        var path = TestPaths.DataFile("faces", "deepface", "img47.jpg");

        var decoded = Decoder.Decode(path);

        Assert.Equal(ImageFormatKind.Webp, decoded.Format);
        Assert.Equal((1350, 1800), (decoded.Image.Width, decoded.Image.Height));
        var warning = Assert.Single(decoded.Warnings);
        Assert.Equal(DecodeWarningKind.ExtensionMismatch, warning.Kind);
        Assert.Contains("img47.jpg", warning.Message, StringComparison.Ordinal);
        Assert.Contains(".webp", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Strict_extensions_turn_the_mismatch_into_an_error()
    {
        var strict = new ImageDecoder(new ImageDecoderOptions { StrictExtensions = true });
        var path = TestPaths.DataFile("faces", "deepface", "img47.jpg");

        var e = Assert.Throws<ImageDecodeException>(() => strict.Decode(path));

        Assert.Equal(ImageDecodeReason.ExtensionMismatch, e.Reason);
        Assert.Equal(path, e.Path);
        Assert.Contains("img47.jpg", e.Message, StringComparison.Ordinal);
        Assert.Equal(ImageFormatKind.Jpeg, strict.Decode(TestImages.Format("jpeg_baseline.jpg")).Format);
    }

    [Fact]
    public void Bytes_and_stream_inputs_decode_like_the_file()
    {
        var path = TestImages.Format("png_rgb8.png");
        var bytes = File.ReadAllBytes(path);

        var fromBytes = Decoder.Decode(bytes, "upload.png");
        using var stream = new MemoryStream(bytes);
        var fromStream = Decoder.Decode(stream, "upload.png");

        Assert.Equal(Reference.Pixels, fromBytes.Image.Pixels);
        Assert.Equal(Reference.Pixels, fromStream.Image.Pixels);
        Assert.Empty(fromBytes.Warnings);
    }

    [Fact]
    public void A_name_without_extension_gets_no_warning()
    {
        var decoded = Decoder.Decode(File.ReadAllBytes(TestImages.Format("webp_lossy.webp")), "blob");

        Assert.Equal(ImageFormatKind.Webp, decoded.Format);
        Assert.Empty(decoded.Warnings);
    }

    [Theory]
    [InlineData("deepface", "img17.jpg")]
    [InlineData("deepface", "selfie-many-people.jpg")]
    [InlineData("face_recognition", "obama/obama.jpg")]
    public void Real_photos_decode(string set, string file)
    {
        var decoded = Decoder.Decode(TestPaths.DataFile("faces", set, file));

        Assert.Equal(ImageFormatKind.Jpeg, decoded.Format);
        Assert.True(decoded.Image.Width > 300 && decoded.Image.Height > 200);
    }

    private static void AssertNear((int R, int G, int B) expected, (byte R, byte G, byte B) actual)
    {
        Assert.True(Math.Abs(expected.R - actual.R) < 40 && Math.Abs(expected.G - actual.G) < 40 && Math.Abs(expected.B - actual.B) < 40,
            $"expected ~{expected}, got {actual}");
    }
}
