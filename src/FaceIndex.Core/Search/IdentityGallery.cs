using System.Numerics.Tensors;
using FaceIndex.Catalog;

namespace FaceIndex.Search;

/// <summary>
/// The labelled subject faces of a library grouped by identity, searched exactly (every face is measured; a research library's labelled
/// faces fit in memory), for queries that rank identities rather than faces.
/// </summary>
public sealed class IdentityGallery
{
    private readonly List<Member> _members;

    private IdentityGallery(List<Member> members) => _members = members;

    /// <summary>Identities in the gallery.</summary>
    public int Count => _members.Count;

    /// <summary>Loads every labelled subject face embedded with <paramref name="modelId"/> (of one dataset, or of all).</summary>
    public static IdentityGallery Load(FaceCatalog catalog, string modelId, string? dataset = null)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var faces = catalog.LabelledSubjectsAll(modelId, dataset);
        if (faces.Count == 0)
        {
            throw new FaceIndexException(
                $"no labelled faces embedded with {modelId}{(dataset is null ? string.Empty : $" in dataset {dataset}")}: ranking identities needs a dataset indexed with identity folders or a CSV manifest");
        }

        var members = faces.GroupBy(f => (f.Dataset, f.Identity))
            .Select(g => new Member(g.Key.Dataset, g.Key.Identity, [.. g.Select(f => f.FaceId)], [.. g.Select(f => f.Embedding)], MeanOf([.. g.Select(f => f.Embedding)])))
            .ToList();
        return new IdentityGallery(members);
    }

    /// <summary>The <paramref name="k"/> identities nearest to <paramref name="probe"/> by <paramref name="template"/>; ties by dataset, then label.</summary>
    public IReadOnlyList<IdentityHit> Rank(ReadOnlySpan<float> probe, IdentityTemplate template, int k, double threshold, int topK = 3, long? excludeFace = null)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(k);
        var scored = new List<(Member M, float Score, long BestId, float BestDistance)>(_members.Count);
        foreach (var m in _members)
        {
            var keep = new List<float[]>(m.Embeddings.Length);
            var bestId = -1L;
            var best = float.PositiveInfinity;
            for (var i = 0; i < m.Embeddings.Length; i++)
            {
                if (m.FaceIds[i] == excludeFace)
                {
                    continue;
                }

                keep.Add(m.Embeddings[i]);
                var d = FaceDistance.Euclidean(probe, m.Embeddings[i]);
                if (d < best)
                {
                    (best, bestId) = (d, m.FaceIds[i]);
                }
            }

            if (keep.Count == 0)
            {
                continue;
            }

            var mean = keep.Count == m.Embeddings.Length ? m.Mean : MeanOf(keep);
            scored.Add((m, Score(probe, keep, mean, template, topK), bestId, best));
        }

        return [.. scored.OrderBy(s => s.Score).ThenBy(s => s.M.Dataset, StringComparer.Ordinal).ThenBy(s => s.M.Identity, StringComparer.Ordinal)
            .Take(k)
            .Select((s, i) => new IdentityHit(i + 1, s.M.Dataset, s.M.Identity, s.Score, s.M.FaceIds.Length, s.BestId, s.BestDistance, s.Score < threshold))];
    }

    /// <summary>
    /// An identity's template score for a probe: <see cref="IdentityTemplate.Max"/> the smallest distance to its faces,
    /// <see cref="IdentityTemplate.TopK"/> the mean of its <paramref name="topK"/> smallest, <see cref="IdentityTemplate.Mean"/> the
    /// distance to <paramref name="mean"/> (the mean of <paramref name="faces"/>; computed when null).
    /// </summary>
    public static float Score(ReadOnlySpan<float> probe, IReadOnlyList<float[]> faces, float[]? mean, IdentityTemplate template, int topK = 3)
    {
        ArgumentNullException.ThrowIfNull(faces);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(faces.Count);
        if (template == IdentityTemplate.Mean)
        {
            return FaceDistance.Euclidean(probe, mean ?? MeanOf(faces));
        }

        var distances = new float[faces.Count];
        for (var i = 0; i < faces.Count; i++)
        {
            distances[i] = FaceDistance.Euclidean(probe, faces[i]);
        }

        Array.Sort(distances);
        if (template == IdentityTemplate.Max)
        {
            return distances[0];
        }

        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(topK);
        var n = Math.Min(topK, distances.Length);
        return TensorPrimitives.Sum<float>(distances.AsSpan(0, n)) / n;
    }

    /// <summary>The element-wise mean of equal-length vectors.</summary>
    public static float[] MeanOf(IReadOnlyList<float[]> vectors)
    {
        ArgumentNullException.ThrowIfNull(vectors);
        var mean = new float[vectors[0].Length];
        foreach (var v in vectors)
        {
            TensorPrimitives.Add(mean, v, mean);
        }

        TensorPrimitives.Divide(mean, vectors.Count, mean);
        return mean;
    }

    private sealed record Member(string Dataset, string Identity, long[] FaceIds, float[][] Embeddings, float[] Mean);
}
