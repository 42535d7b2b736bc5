using FaceIndex.Imaging;
using FaceIndex.Landmarks;
using FaceIndex.Native;

namespace FaceIndex.Alignment;

/// <summary><see cref="IFaceAligner"/> by dlib's own face chip (<c>get_face_chip_details</c> + <c>extract_image_chip</c>); stateless and thread-safe.</summary>
public sealed class DlibFaceAligner : IFaceAligner
{
    public RgbImage Align(RgbImage image, FaceLandmarks landmarks, int size = 150, double padding = 0.25) =>
        Dlib.GetFaceChip(image, landmarks, size, padding);
}
