using Microsoft.Win32.SafeHandles;

namespace FaceIndex.Native;

/// <summary>Owns one native dlib frontal face detector (fi_detector).</summary>
internal sealed class FrontalFaceDetectorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public FrontalFaceDetectorHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        DlibNative.DetectorDestroy(handle);
        return true;
    }
}

/// <summary>Owns one native dlib shape predictor (fi_predictor).</summary>
internal sealed class ShapePredictorHandle : SafeHandleZeroOrMinusOneIsInvalid
{
    public ShapePredictorHandle()
        : base(ownsHandle: true)
    {
    }

    protected override bool ReleaseHandle()
    {
        DlibNative.PredictorDestroy(handle);
        return true;
    }
}
