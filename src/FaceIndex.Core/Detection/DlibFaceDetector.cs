using FaceIndex.Imaging;
using FaceIndex.Native;

namespace FaceIndex.Detection;

/// <summary><see cref="IFaceDetector"/> over dlib's HOG frontal face detector. One per thread (see <see cref="DlibModels.CreateWorker"/>).</summary>
public sealed class DlibFaceDetector : IFaceDetector
{
    private readonly FrontalFaceDetector detector;

    /// <summary>A detector of its own.</summary>
    public DlibFaceDetector()
        : this(FrontalFaceDetector.Create())
    {
    }

    /// <summary>Takes ownership of <paramref name="detector"/>.</summary>
    public DlibFaceDetector(FrontalFaceDetector detector)
    {
        ArgumentNullException.ThrowIfNull(detector);
        this.detector = detector;
    }

    /// <summary>Added to dlib's threshold: negative finds more (weaker) faces, positive fewer. dlib's default is 0.</summary>
    public double AdjustThreshold { get; init; }

    public IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample = 0) =>
        detector.Detect(image, upsample, AdjustThreshold);

    public void Dispose() => detector.Dispose();
}
