using FaceIndex.Alignment;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Models;

namespace FaceIndex.Native;

/// <summary>dlib's models loaded once (the ~100 MB shape predictor and a prototype detector); hands each worker thread cheap contexts.</summary>
public sealed class DlibModels : IDisposable
{
    private readonly FrontalFaceDetector prototype;
    private readonly Lock cloneLock = new();

    private DlibModels(ShapePredictor predictor, FrontalFaceDetector prototype)
    {
        Predictor = predictor;
        this.prototype = prototype;
    }

    /// <summary>The one shared predictor; valid until this object is disposed.</summary>
    public ShapePredictor Predictor { get; }

    /// <summary>Loads the predictor at <paramref name="predictorPath"/> (default: the pinned 68-point model) and the detector.</summary>
    public static DlibModels Load(string? predictorPath = null)
    {
        var predictor = ShapePredictor.Deserialize(predictorPath ?? ModelFiles.Require(ModelFiles.ShapePredictor68));
        try
        {
            return new DlibModels(predictor, FrontalFaceDetector.Create());
        }
        catch
        {
            predictor.Dispose();
            throw;
        }
    }

    /// <summary>A detector, landmarker and aligner for one thread: its own detector copy, the shared predictor. Thread-safe.</summary>
    public DlibWorker CreateWorker()
    {
        FrontalFaceDetector detector;
        lock (cloneLock)
        {
            detector = prototype.Clone();
        }

        return new DlibWorker(new DlibFaceDetector(detector), new DlibLandmarker(Predictor), new DlibFaceAligner());
    }

    /// <summary>Frees the predictor and detector; workers must be done with them first.</summary>
    public void Dispose()
    {
        prototype.Dispose();
        Predictor.Dispose();
    }
}

/// <summary>One thread's dlib stages; disposing it frees its detector, never the shared predictor.</summary>
public sealed class DlibWorker(DlibFaceDetector detector, DlibLandmarker landmarker, DlibFaceAligner aligner) : IDisposable
{
    public DlibFaceDetector Detector { get; } = detector;

    public DlibLandmarker Landmarker { get; } = landmarker;

    public DlibFaceAligner Aligner { get; } = aligner;

    public void Dispose()
    {
        Detector.Dispose();
        Landmarker.Dispose();
    }
}
