namespace FaceIndex.Calibration;

/// <summary>Which rule chose a calibrated threshold.</summary>
public enum OperatingPointKind
{
    /// <summary>The most lenient threshold whose false-accept rate does not exceed a target.</summary>
    Far,

    /// <summary>The threshold that maximises accuracy over all pairs.</summary>
    Accuracy,
}
