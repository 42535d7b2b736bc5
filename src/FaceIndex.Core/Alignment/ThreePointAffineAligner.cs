using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Alignment;

/// <summary>
/// The exact affine map of 3 points (eye centres, nose tip) onto the ArcFace template, as faceplugin's package aligns
/// (OpenCV getAffineTransform). Kept for comparison: on a turned face it shears the chip. Stateless and thread-safe.
/// </summary>
public sealed class ThreePointAffineAligner : IFaceAligner
{
    public RgbImage Align(RgbImage image, FaceLandmarks landmarks, int size = 150, double padding = 0.25) =>
        AffineWarp.Warp(image, Transform(landmarks, size), size);

    /// <summary>The image-to-chip map this aligner uses.</summary>
    public static AffineMatrix Transform(FaceLandmarks landmarks, int size) =>
        AffineMatrix.FromThreePoints(FivePoints.From68(landmarks).AsSpan(0, 3), FivePoints.Template(size).AsSpan(0, 3));
}
