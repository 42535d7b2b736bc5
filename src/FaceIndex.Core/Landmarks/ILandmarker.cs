using FaceIndex.Detection;
using FaceIndex.Imaging;

namespace FaceIndex.Landmarks;

/// <summary>A landmark position in source-image pixels.</summary>
public readonly record struct LandmarkPoint(int X, int Y);

/// <summary>The 68 iBUG 300-W landmarks of one face, with the box they were placed in.</summary>
public sealed record FaceLandmarks(FaceBox Box, IReadOnlyList<LandmarkPoint> Points);

/// <summary>Places landmarks inside a detected face box. Not thread-safe: use one per thread.</summary>
public interface ILandmarker : IDisposable
{
    FaceLandmarks Predict(RgbImage image, FaceBox box);
}
