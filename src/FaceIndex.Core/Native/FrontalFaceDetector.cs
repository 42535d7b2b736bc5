using FaceIndex.Detection;
using FaceIndex.Imaging;

namespace FaceIndex.Native;

/// <summary>dlib's HOG frontal face detector (<c>get_frontal_face_detector()</c>). Not thread-safe: <see cref="Clone"/> one per thread.</summary>
public sealed unsafe class FrontalFaceDetector : IDisposable
{
    // Most photos hold a few faces; more than this costs one extra call to fetch the rest.
    private const int InlineResults = 16;

    private readonly FrontalFaceDetectorHandle handle;

    private FrontalFaceDetector(FrontalFaceDetectorHandle handle) => this.handle = handle;

    /// <summary>A new detector with dlib's trained frontal-face weights (they are compiled into the shim).</summary>
    public static FrontalFaceDetector Create()
    {
        DlibNative.EnsureLoaded();
        var rc = DlibNative.DetectorCreate(out var h);
        return Wrap(rc, h, "creating the frontal face detector");
    }

    /// <summary>A copy for another thread (a few hundred kB of filters); must not run while this one is detecting.</summary>
    public FrontalFaceDetector Clone()
    {
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        var rc = DlibNative.DetectorClone(handle, out var h);
        return Wrap(rc, h, "cloning the frontal face detector");
    }

    /// <summary>As dlib's Python <c>detector.run(img, upsample, adjust_threshold)</c>: boxes and scores, best first.</summary>
    public IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample = 0, double adjustThreshold = 0) =>
        Detect(RgbPixels.Of(image), upsample, adjustThreshold);

    /// <inheritdoc cref="Detect(RgbImage, int, double)"/>
    public IReadOnlyList<FaceDetection> Detect(RgbPixels image, int upsample = 0, double adjustThreshold = 0)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(upsample);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(upsample, 8);
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        var inline = stackalloc DlibNative.Detection[InlineResults];
        int count;
        fixed (byte* rgb = image.Data)
        {
            DlibNative.Check(
                DlibNative.DetectorDetect(handle, rgb, image.Width, image.Height, image.Stride, upsample, adjustThreshold, inline, InlineResults, out count),
                $"detecting faces in a {image.Width}x{image.Height} image");
        }

        if (count == 0)
        {
            return [];
        }

        var results = new FaceDetection[count];
        if (count <= InlineResults)
        {
            for (var i = 0; i < count; i++)
            {
                results[i] = ToDetection(inline[i]);
            }

            return results;
        }

        var all = new DlibNative.Detection[count];
        fixed (DlibNative.Detection* p = all)
        {
            DlibNative.Check(DlibNative.DetectorResults(handle, p, count, out _), "reading the detections");
        }

        for (var i = 0; i < count; i++)
        {
            results[i] = ToDetection(all[i]);
        }

        return results;
    }

    public void Dispose() => handle.Dispose();

    private static FaceDetection ToDetection(in DlibNative.Detection d) =>
        new(new FaceBox(d.Rect.Left, d.Rect.Top, d.Rect.Right, d.Rect.Bottom), d.Score);

    private static FrontalFaceDetector Wrap(int rc, FrontalFaceDetectorHandle h, string what)
    {
        if (rc != DlibNative.Ok)
        {
            h.Dispose();
            DlibNative.Check(rc, what);
        }

        return new FrontalFaceDetector(h);
    }
}
