using FaceIndex.Detection;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Pipeline;

/// <summary>One face found in an image: where it is, how sure the detector was, its landmarks and its embedding.</summary>
/// <param name="Index">The face's position in the image's detection order (0-based).</param>
/// <param name="Box">The detector's box (dlib convention, right/bottom inclusive).</param>
/// <param name="Score">The detector's score (higher is more face-like).</param>
/// <param name="Landmarks">The 68 landmarks.</param>
/// <param name="Embedding">The embedding, or null when embedding was not asked for.</param>
/// <param name="ModelId">The embedder's model id, or null without an embedding.</param>
/// <param name="Chip">The aligned chip, when asked for.</param>
public sealed record FaceRecord(
    int Index,
    FaceBox Box,
    double Score,
    FaceLandmarks Landmarks,
    float[]? Embedding,
    string? ModelId,
    RgbImage? Chip = null);

/// <summary>How the face that an image is "about" is chosen when an image holds several.</summary>
public enum SubjectPolicy
{
    /// <summary>The face whose box centre is nearest the image centre (LFW's convention).</summary>
    Center,

    /// <summary>The face with the largest box.</summary>
    Largest,

    /// <summary>Every face is a subject.</summary>
    All,
}
