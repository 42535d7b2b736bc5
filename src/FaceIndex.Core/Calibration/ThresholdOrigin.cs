namespace FaceIndex.Calibration;

/// <summary>Where a same-person threshold came from.</summary>
public enum ThresholdOrigin
{
    /// <summary>Given by the caller (the CLI's <c>--threshold</c>).</summary>
    Given,

    /// <summary>The library's calibration for this model and dataset.</summary>
    CalibratedForDataset,

    /// <summary>The library's calibration for this model.</summary>
    CalibratedForModel,

    /// <summary>dlib's default, 0.6: no calibration exists for the model.</summary>
    Default,
}
