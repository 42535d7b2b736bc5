using FaceIndex.Imaging;

namespace FaceIndex.Detection;

/// <summary>
/// Runs <paramref name="first"/>, and <paramref name="fallback"/> only when the first finds no face: HOG's speed where HOG
/// works, a CNN where it does not. Owns neither detector.
/// </summary>
public sealed class FallbackFaceDetector(IFaceDetector first, IFaceDetector fallback) : IFaceDetector
{
    private readonly IFaceDetector _first = first ?? throw new ArgumentNullException(nameof(first));
    private readonly IFaceDetector _fallback = fallback ?? throw new ArgumentNullException(nameof(fallback));

    public IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample = 0)
    {
        var found = _first.Detect(image, upsample);
        return found.Count > 0 ? found : _fallback.Detect(image, upsample);
    }

    public void Dispose()
    {
    }
}
