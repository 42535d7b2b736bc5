using System.Text.Json.Serialization;

namespace FaceIndex.Alignment;

/// <summary>How a face chip is cut from the image: the geometry a recognition network was trained on.</summary>
public enum AlignmentKind
{
    /// <summary>dlib's face chip (<c>get_face_chip_details</c>: all 68 points onto dlib's mean shape, with padding); the dlib network's own.</summary>
    [JsonStringEnumMemberName("dlib")]
    DlibChip,

    /// <summary>Least-squares similarity of 5 points (eye centres, nose tip, mouth corners) onto the ArcFace 112x112 template.</summary>
    [JsonStringEnumMemberName("arcface5")]
    ArcFace5,

    /// <summary>The exact affine map of 3 points (eye centres, nose tip) onto the same template, as some packages do; shears turned faces.</summary>
    [JsonStringEnumMemberName("affine3")]
    Affine3,
}
