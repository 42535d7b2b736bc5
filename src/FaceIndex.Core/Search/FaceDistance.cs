using System.Numerics.Tensors;

namespace FaceIndex.Search;

/// <summary>Distances between embeddings, and the threshold at which two faces are called the same person.</summary>
public static class FaceDistance
{
    /// <summary>
    /// Same person when the Euclidean distance of the raw (not normalised) embeddings is below this: dlib's own
    /// threshold for this network, confirmed on the development pairs (see README, "Verification threshold").
    /// </summary>
    public const float SameThreshold = 0.6f;

    /// <summary>Euclidean distance of the raw embeddings (what the index ranks by).</summary>
    public static float Euclidean(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.Distance(a, b);

    /// <summary>Cosine similarity in [-1, 1], reported beside the distance for readers used to it.</summary>
    public static float Cosine(ReadOnlySpan<float> a, ReadOnlySpan<float> b) => TensorPrimitives.CosineSimilarity(a, b);
}
