using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Alignment;

/// <summary>Cuts an aligned, square face chip out of an image; never modifies the source image.</summary>
public interface IFaceAligner
{
    /// <summary>dlib's <c>get_face_chip_details(shape, size, padding)</c> + <c>extract_image_chip</c>.</summary>
    RgbImage Align(RgbImage image, FaceLandmarks landmarks, int size = 150, double padding = 0.25);
}
