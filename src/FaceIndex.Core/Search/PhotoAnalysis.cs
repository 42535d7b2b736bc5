using FaceIndex.Imaging;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>A query photo decoded and analysed (every face with landmarks and embedding), before any search.</summary>
/// <param name="Name">The file path or upload name.</param>
/// <param name="Image">The decoded, upright pixels.</param>
/// <param name="Faces">Every face found, left to right.</param>
public sealed record PhotoAnalysis(string Name, RgbImage Image, IReadOnlyList<FaceRecord> Faces);
