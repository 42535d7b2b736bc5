using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Native;

namespace FaceIndex.Landmarks;

/// <summary><see cref="ILandmarker"/> over dlib's shape predictor; many may share one loaded <see cref="ShapePredictor"/>.</summary>
public sealed class DlibLandmarker : ILandmarker
{
    private readonly ShapePredictor predictor;
    private readonly bool ownsPredictor;

    /// <summary>Uses <paramref name="predictor"/>; disposes it too only when <paramref name="ownsPredictor"/>.</summary>
    public DlibLandmarker(ShapePredictor predictor, bool ownsPredictor = false)
    {
        ArgumentNullException.ThrowIfNull(predictor);
        this.predictor = predictor;
        this.ownsPredictor = ownsPredictor;
    }

    /// <summary>A landmarker with its own copy of the predictor at <paramref name="path"/> (default: the pinned 68-point model).</summary>
    public static DlibLandmarker Load(string? path = null) =>
        new(ShapePredictor.Deserialize(path ?? Models.ModelFiles.Require(Models.ModelFiles.ShapePredictor68)), ownsPredictor: true);

    public FaceLandmarks Predict(RgbImage image, FaceBox box) => predictor.Detect(image, box);

    public void Dispose()
    {
        if (ownsPredictor)
        {
            predictor.Dispose();
        }
    }
}
