namespace FaceIndex.Detection;

/// <summary>How well a box mapping places dlib's landmarks, compared with landmarks placed in HOG boxes.</summary>
/// <param name="Faces">Faces both detectors found.</param>
/// <param name="Mapping">The mapping measured.</param>
/// <param name="MeanIou">Mean IoU of the mapped SSD box with the HOG box.</param>
/// <param name="MedianLandmarkError">Median over faces of the mean landmark distance, as a fraction of the HOG landmarks' outer-eye-corner distance.</param>
/// <param name="P90LandmarkError">The 90th percentile of the same.</param>
/// <param name="MaxLandmarkError">The largest of the same.</param>
public sealed record SsdMappingFit(int Faces, SsdBoxMapping Mapping, double MeanIou, double MedianLandmarkError, double P90LandmarkError, double MaxLandmarkError);
