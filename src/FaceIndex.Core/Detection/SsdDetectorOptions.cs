namespace FaceIndex.Detection;

/// <summary>Options of <see cref="SsdFaceDetector"/>; the defaults are face-api's.</summary>
public sealed record SsdDetectorOptions
{
    /// <summary>Faces scoring at or below this are dropped (face-api's minConfidence, default 0.5).</summary>
    public double MinConfidence { get; init; } = 0.5;

    /// <summary>At most this many faces per image (face-api's maxResults).</summary>
    public int MaxResults { get; init; } = 100;

    /// <summary>Non-maximum suppression drops a box overlapping a better one by more than this IoU (face-api: 0.5).</summary>
    public double IouThreshold { get; init; } = 0.5;

    /// <summary>How an SSD box becomes the HOG-shaped box dlib's landmark predictor expects.</summary>
    public SsdBoxMapping Mapping { get; init; } = SsdBoxMapping.Calibrated;
}
