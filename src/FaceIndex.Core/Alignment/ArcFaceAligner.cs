using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Alignment;

/// <summary>
/// The alignment most ONNX face models expect: the least-squares similarity of 5 points from dlib's 68 (eye centres,
/// nose tip, mouth corners) onto the ArcFace 112x112 template, scaled to the chip size. Padding is ignored (the template
/// fixes the framing). Stateless and thread-safe.
/// </summary>
public sealed class ArcFaceAligner : IFaceAligner
{
    public RgbImage Align(RgbImage image, FaceLandmarks landmarks, int size = 150, double padding = 0.25) =>
        AffineWarp.Warp(image, Transform(landmarks, size), size);

    /// <summary>The image-to-chip map this aligner uses.</summary>
    public static AffineMatrix Transform(FaceLandmarks landmarks, int size) =>
        AffineMatrix.Similarity(FivePoints.From68(landmarks), FivePoints.Template(size));
}
