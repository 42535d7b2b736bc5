using FaceIndex.Imaging;
using FaceIndex.Tests;

namespace FaceIndex.Core.Tests.Imaging;

/// <summary>Every class of bad input gives an ImageDecodeException with the right reason and a message naming the file.</summary>
public sealed class ImageDecoderBadInputTests
{
    private static readonly ImageDecoder Decoder = new();

    [Theory]
    [InlineData("empty.jpg", ImageDecodeReason.Empty)]
    [InlineData("two_bytes.jpg", ImageDecodeReason.Truncated)]
    [InlineData("text.jpg", ImageDecodeReason.NotAnImage)]
    [InlineData("random.jpg", ImageDecodeReason.NotAnImage)]
    [InlineData("photo.heic", ImageDecodeReason.UnsupportedFormat)]
    [InlineData("animated.webp", ImageDecodeReason.UnsupportedFormat)]
    [InlineData("truncated.jpg", ImageDecodeReason.Truncated)]
    [InlineData("truncated.png", ImageDecodeReason.Truncated)]
    [InlineData("bad_crc.png", ImageDecodeReason.Corrupt)]
    [InlineData("corrupt_idat.png", ImageDecodeReason.Corrupt)]
    [InlineData("zero_width.png", ImageDecodeReason.Corrupt)]
    [InlineData("huge_30000x30000.png", ImageDecodeReason.TooManyPixels)]
    [InlineData("huge_sof_65000x65000.jpg", ImageDecodeReason.TooManyPixels)]
    [InlineData("huge_screen_65535x65535.gif", ImageDecodeReason.TooManyPixels)]
    public void Bad_files_are_refused_with_a_typed_reason_naming_the_file(string file, ImageDecodeReason reason)
    {
        var path = TestImages.Bad(file);

        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(path));

        Assert.Equal(reason, e.Reason);
        Assert.Equal(path, e.Path);
        Assert.Contains(file, e.Message, StringComparison.Ordinal);
        Assert.IsType<FaceIndexException>(e, exactMatch: false);
    }

    [Fact]
    public void A_30000_square_png_is_refused_from_its_header_without_allocating_pixels()
    {
        var bytes = File.ReadAllBytes(TestImages.Bad("huge_30000x30000.png"));
        Assert.True(bytes.Length < 100);
        Assert.Throws<ImageDecodeException>(() => Decoder.Decode(bytes, "warm.png"));

        var before = GC.GetAllocatedBytesForCurrentThread();
        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(bytes, "huge.png"));
        var allocated = GC.GetAllocatedBytesForCurrentThread() - before;

        Assert.Equal(ImageDecodeReason.TooManyPixels, e.Reason);
        Assert.Contains("30000x30000", e.Message, StringComparison.Ordinal);

        // 30000 x 30000 RGB would be 2.7 GB; refusing it from the header costs a few kilobytes.
        Assert.True(allocated < 1 << 20, $"allocated {allocated} bytes refusing a header-only image");
    }

    [Fact]
    public void A_missing_file_is_not_found()
    {
        var path = Path.Combine(Path.GetTempPath(), "faceindex-no-such-file.jpg");

        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(path));

        Assert.Equal(ImageDecodeReason.NotFound, e.Reason);
        Assert.Contains("faceindex-no-such-file.jpg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_directory_is_not_found_and_says_so()
    {
        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(Path.GetTempPath()));

        Assert.Equal(ImageDecodeReason.NotFound, e.Reason);
        Assert.Contains("directory", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_byte_limit_applies_to_files_streams_and_buffers()
    {
        var small = new ImageDecoder(new ImageDecoderOptions { MaxBytes = 1000 });
        var path = TestImages.Format("jpeg_baseline.jpg");
        var bytes = File.ReadAllBytes(path);
        Assert.True(bytes.Length > 1000);

        Assert.Equal(ImageDecodeReason.TooLarge, Assert.Throws<ImageDecodeException>(() => small.Decode(path)).Reason);
        Assert.Equal(ImageDecodeReason.TooLarge, Assert.Throws<ImageDecodeException>(() => small.Decode(bytes, "b.jpg")).Reason);
        using var stream = new MemoryStream(bytes);
        Assert.Equal(ImageDecodeReason.TooLarge, Assert.Throws<ImageDecodeException>(() => small.Decode(stream, "s.jpg")).Reason);
    }

    [SkippableFact]
    public void An_endless_device_is_read_only_up_to_the_byte_limit()
    {
        // /dev/zero reports length 0 and never ends: the read must stop at the limit, not fill memory.
        Skip.IfNot(File.Exists("/dev/zero"), "needs /dev/zero (Unix)");
        var small = new ImageDecoder(new ImageDecoderOptions { MaxBytes = 1 << 20 });

        var e = Assert.Throws<ImageDecodeException>(() => small.Decode("/dev/zero"));

        Assert.Equal(ImageDecodeReason.TooLarge, e.Reason);
        Assert.Contains("/dev/zero", e.Message, StringComparison.Ordinal);
    }

    [SkippableFact]
    public void A_named_pipe_does_not_hang_the_decoder()
    {
        // A FIFO looks like an empty file, but open() blocks until something writes to it.
        Skip.If(OperatingSystem.IsWindows(), "named pipes in the file system are a Unix thing");
        var dir = Directory.CreateTempSubdirectory("faceindex-fifo");
        var fifo = Path.Combine(dir.FullName, "pipe.jpg");
        using (var mkfifo = System.Diagnostics.Process.Start("mkfifo", [fifo]))
        {
            mkfifo.WaitForExit();
            Skip.If(mkfifo.ExitCode != 0, "mkfifo failed");
        }

        var quick = new ImageDecoder(new ImageDecoderOptions { Timeout = TimeSpan.FromMilliseconds(300) });
        var e = Assert.Throws<ImageDecodeException>(() => quick.Decode(fifo));

        Assert.Equal(ImageDecodeReason.Unreadable, e.Reason);
        Assert.Contains("pipe.jpg", e.Message, StringComparison.Ordinal);

        // Unblock the pending open() so its thread ends, then clean up.
        using (var writer = new FileStream(fifo, FileMode.Open, FileAccess.Write))
        {
        }

        dir.Delete(recursive: true);
    }

    [Fact]
    public void An_empty_regular_file_is_empty_not_unreadable()
    {
        var path = Path.Combine(Directory.CreateTempSubdirectory("faceindex-empty").FullName, "empty.png");
        File.WriteAllBytes(path, []);

        Assert.Equal(ImageDecodeReason.Empty, Assert.Throws<ImageDecodeException>(() => Decoder.Decode(path)).Reason);
    }

    [Fact]
    public void Control_characters_in_a_name_do_not_reach_the_message()
    {
        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode("x"u8.ToArray(), "evil\nFAKE LOG LINE.jpg"));

        Assert.Equal("evil\nFAKE LOG LINE.jpg", e.Path);
        Assert.DoesNotContain('\n', e.Message);
        Assert.Contains("evil?FAKE LOG LINE.jpg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_pixel_limit_is_configurable()
    {
        var small = new ImageDecoder(new ImageDecoderOptions { MaxPixels = 3000 });

        var e = Assert.Throws<ImageDecodeException>(() => small.Decode(TestImages.Format("png_rgb8.png")));

        Assert.Equal(ImageDecodeReason.TooManyPixels, e.Reason);
        Assert.Contains("64x48", e.Message, StringComparison.Ordinal);
        Assert.Equal(48 * 32, small.Decode(TestImages.Orient(1)).Image.Width * 32);
    }

    [Fact]
    public void Allow_truncated_decodes_what_is_there_of_a_jpeg_with_a_warning()
    {
        var lenient = new ImageDecoder(new ImageDecoderOptions { AllowTruncated = true });

        var decoded = lenient.Decode(TestImages.Bad("truncated.jpg"));

        Assert.Equal(ImageFormatKind.Jpeg, decoded.Format);
        Assert.Equal((64, 48), (decoded.Image.Width, decoded.Image.Height));
        var warning = Assert.Single(decoded.Warnings);
        Assert.Equal(DecodeWarningKind.Truncated, warning.Kind);
        Assert.Contains("truncated.jpg", warning.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Allow_truncated_still_reports_a_png_cut_inside_its_only_data_chunk_as_truncated()
    {
        // ImageSharp 2.1 skips an incomplete IDAT, so there is nothing to decode; the reason stays Truncated, not Corrupt.
        var lenient = new ImageDecoder(new ImageDecoderOptions { AllowTruncated = true });

        var e = Assert.Throws<ImageDecodeException>(() => lenient.Decode(TestImages.Bad("truncated.png")));

        Assert.Equal(ImageDecodeReason.Truncated, e.Reason);
        Assert.NotNull(e.InnerException);
    }

    [Fact]
    public void A_format_turned_off_is_refused_as_unsupported_before_decoding()
    {
        var jpegPng = new ImageDecoder(new ImageDecoderOptions { Formats = new HashSet<ImageFormatKind> { ImageFormatKind.Jpeg, ImageFormatKind.Png } });

        var e = Assert.Throws<ImageDecodeException>(() => jpegPng.Decode(TestImages.Format("gif_two_frames.gif")));

        Assert.Equal(ImageDecodeReason.UnsupportedFormat, e.Reason);
        Assert.Contains("gif_two_frames.gif", e.Message, StringComparison.Ordinal);
        Assert.Contains("Formats", e.Message, StringComparison.Ordinal);
        Assert.Equal(ImageFormatKind.Png, jpegPng.Decode(TestImages.Format("png_rgb8.png")).Format);
    }

    [Fact]
    public void Fuzz_finding_lossless_webp_with_a_huge_huffman_group_count_is_refused_as_corrupt()
    {
        // Found by the long fuzz run (seed 3, case 105098): a 4944-byte lossless WebP for which ImageSharp 2.1.13's
        // VP8L decoder allocates about 1.4 GiB of managed Huffman tables (outside the bounded allocator) before
        // failing. The decode must still end in ImageDecodeException; the allocation is ImageSharp's (see README).
        var path = TestImages.Bad(Path.Combine("fuzz", "webp_lossless_huge_huffman.webp"));

        var e = Assert.Throws<ImageDecodeException>(() => Decoder.Decode(path));

        Assert.Equal(ImageDecodeReason.Corrupt, e.Reason);
        Assert.Contains("webp_lossless_huge_huffman.webp", e.Message, StringComparison.Ordinal);
        Assert.IsType<SixLabors.ImageSharp.ImageFormatException>(e.InnerException);
    }

    [Fact]
    public void Caller_cancellation_is_not_reported_as_a_bad_file()
    {
        using var cts = new CancellationTokenSource();
        cts.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => Decoder.Decode(TestImages.Format("jpeg_baseline.jpg"), cts.Token));
    }

    [Fact]
    public void A_decode_over_the_time_budget_is_timed_out_not_corrupt()
    {
        // A clock on which every budget has already run out: deterministic, unlike a 1-tick budget on a busy machine.
        var hurried = new ImageDecoder(new ImageDecoderOptions { Timeout = TimeSpan.FromSeconds(30), TimeProvider = new ExpiredClock() });
        var path = TestPaths.DataFile("faces", "face_recognition", "obama", "obama.jpg");

        var e = Assert.Throws<ImageDecodeException>(() => hurried.Decode(path));

        Assert.Equal(ImageDecodeReason.TimedOut, e.Reason);
        Assert.Contains("obama.jpg", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_allocation_limit_follows_the_pixel_limit_unless_set()
    {
        Assert.Equal(382, ImageDecoderOptions.Default.EffectiveAllocationLimitMegabytes);
        Assert.Equal(16, new ImageDecoderOptions { MaxPixels = 10 }.EffectiveAllocationLimitMegabytes);
        Assert.Equal(100, new ImageDecoderOptions { AllocationLimitMegabytes = 100 }.EffectiveAllocationLimitMegabytes);
    }

    [Fact]
    public void Invalid_options_are_rejected()
    {
        Assert.ThrowsAny<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { MaxPixels = 0 }));
        Assert.ThrowsAny<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { MaxPixels = 1L << 31 }));
        Assert.ThrowsAny<ArgumentException>(() => new ImageDecoder(new ImageDecoderOptions { Timeout = TimeSpan.Zero }));
    }

    /// <summary>A clock whose timers have all fired by the time they are created.</summary>
    private sealed class ExpiredClock : TimeProvider
    {
        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period)
        {
            callback(state);
            return new FiredTimer();
        }

        private sealed class FiredTimer : ITimer
        {
            public bool Change(TimeSpan dueTime, TimeSpan period) => false;

            public void Dispose()
            {
            }

            public ValueTask DisposeAsync() => ValueTask.CompletedTask;
        }
    }
}
