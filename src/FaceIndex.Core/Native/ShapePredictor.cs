using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Native;

/// <summary>dlib's shape predictor (e.g. the 68-point one, ~100 MB in memory). Immutable once loaded: share one across threads.</summary>
public sealed unsafe class ShapePredictor : IDisposable
{
    private readonly ShapePredictorHandle handle;

    private ShapePredictor(ShapePredictorHandle handle, string path, int numParts)
    {
        this.handle = handle;
        Path = path;
        NumParts = numParts;
    }

    /// <summary>The file it was loaded from.</summary>
    public string Path { get; }

    /// <summary>How many points it places (68 for dlib's face model).</summary>
    public int NumParts { get; }

    /// <summary>Loads a shape_predictor .dat file (dlib's <c>deserialize(path) &gt;&gt; sp</c>); takes about a second for the 68-point model.</summary>
    public static ShapePredictor Deserialize(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (!File.Exists(path))
        {
            throw new FaceIndexException(
                $"shape predictor file {path} does not exist: install dlib's models with 'bash scripts/setup.sh' " +
                "(Debian package libdlib-data) or point FACEINDEX_PREDICTOR at shape_predictor_68_face_landmarks.dat");
        }

        DlibNative.EnsureLoaded();
        var rc = DlibNative.PredictorLoad(path, out var h);
        if (rc != DlibNative.Ok)
        {
            var message = DlibNative.LastErrorMessage();
            h.Dispose();
            throw new FaceIndexException(
                $"shape predictor file {path} could not be loaded ({DlibNative.CodeName(rc)}): {message}; " +
                "use dlib's shape_predictor_68_face_landmarks.dat (uncompressed, as libdlib-data installs it)");
        }

        DlibNative.Check(DlibNative.PredictorNumParts(h, out var parts), "reading the predictor's part count");
        return new ShapePredictor(h, path, parts);
    }

    /// <summary>Places the parts inside <paramref name="box"/> (dlib's <c>sp(img, rect)</c>). Thread-safe.</summary>
    public FaceLandmarks Detect(RgbImage image, FaceBox box) => Detect(RgbPixels.Of(image), box);

    /// <inheritdoc cref="Detect(RgbImage, FaceBox)"/>
    public FaceLandmarks Detect(RgbPixels image, FaceBox box)
    {
        var points = new LandmarkPoint[NumParts];
        Detect(image, box, points);
        return new FaceLandmarks(box, points);
    }

    /// <summary>Places the parts inside <paramref name="box"/> into <paramref name="points"/> (at least <see cref="NumParts"/> long).</summary>
    public void Detect(RgbPixels image, FaceBox box, Span<LandmarkPoint> points)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(points.Length, NumParts, nameof(points));
        ObjectDisposedException.ThrowIf(handle.IsClosed, this);
        var rect = new DlibNative.Rect { Left = box.Left, Top = box.Top, Right = box.Right, Bottom = box.Bottom };
        fixed (byte* rgb = image.Data)
        fixed (LandmarkPoint* p = points)
        {
            // LandmarkPoint is two ints, the same layout as fi_point.
            DlibNative.Check(
                DlibNative.PredictorPredict(handle, rgb, image.Width, image.Height, image.Stride, rect, (DlibNative.Point*)p, points.Length),
                $"predicting landmarks in {box} of a {image.Width}x{image.Height} image");
        }
    }

    public void Dispose() => handle.Dispose();
}
