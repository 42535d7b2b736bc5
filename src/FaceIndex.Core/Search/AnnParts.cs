using System.Buffers;
using FaceIndex.Annoy;
using FaceIndex.Search.Hnsw;

namespace FaceIndex.Search;

/// <summary>Which approximate index holds a library's faces.</summary>
public enum AnnKind
{
    /// <summary>Annoy below <see cref="SearchIndexOptions.HnswFromFaces"/> faces, HNSW from there (measured: bench/million).</summary>
    Auto,

    /// <summary>Annoy (our managed port, files readable by spotify/annoy): small files, fast builds, enough up to ~100k faces.</summary>
    Annoy,

    /// <summary>HNSW (USearch): the only one of the two that reaches recall@10 0.99 under 5 ms at a million faces.</summary>
    Hnsw,
}

/// <summary>The approximate part of a face index: candidate face ids for a query, nearest first.</summary>
internal interface IAnnPart : IDisposable
{
    /// <summary>Faces in this part.</summary>
    int Count { get; }

    /// <summary>Up to <paramref name="faceIds"/>.Length candidates for <paramref name="query"/>; <paramref name="effort"/> is searchK (Annoy) or ef (HNSW).</summary>
    int Search(ReadOnlySpan<float> query, int effort, Span<long> faceIds);
}

/// <summary>Annoy items are positions 0..n-1; <c>faces.ids</c> maps them to face ids.</summary>
internal sealed class AnnoyPart(AnnoyIndex annoy, long[] ids, int trees) : IAnnPart
{
    public int Count => ids.Length;

    public int Search(ReadOnlySpan<float> query, int effort, Span<long> faceIds)
    {
        var n = faceIds.Length;
        var items = ArrayPool<int>.Shared.Rent(n);
        try
        {
            // searchK below n x trees would return fewer than n for no saving: annoy's own default is n x trees.
            var found = annoy.Search(query, n, Math.Max(effort, n * trees), items.AsSpan(0, n), default);
            for (var i = 0; i < found; i++)
            {
                faceIds[i] = ids[items[i]];
            }

            return found;
        }
        finally
        {
            ArrayPool<int>.Shared.Return(items);
        }
    }

    public void Dispose() => annoy.Dispose();
}

/// <summary>HNSW keys are the face ids themselves.</summary>
internal sealed class HnswPart(HnswIndex index, int tunedExpansion) : IAnnPart
{
    private readonly Lock _retune = new();

    public int Count { get; } = (int)index.Count;

    public int Search(ReadOnlySpan<float> query, int effort, Span<long> faceIds)
    {
        var n = faceIds.Length;
        var keys = ArrayPool<ulong>.Shared.Rent(n);
        var distances = ArrayPool<float>.Shared.Rent(n);
        try
        {
            int found;
            if (effort == tunedExpansion)
            {
                found = index.Search(query, keys.AsSpan(0, n), distances.AsSpan(0, n));
            }
            else
            {
                // ef is a property of the index, not of a call: another ef is set, used and put back under a lock.
                lock (_retune)
                {
                    index.ExpansionSearch = effort;
                    try
                    {
                        found = index.Search(query, keys.AsSpan(0, n), distances.AsSpan(0, n));
                    }
                    finally
                    {
                        index.ExpansionSearch = tunedExpansion;
                    }
                }
            }

            for (var i = 0; i < found; i++)
            {
                faceIds[i] = (long)keys[i];
            }

            return found;
        }
        finally
        {
            ArrayPool<ulong>.Shared.Return(keys);
            ArrayPool<float>.Shared.Return(distances);
        }
    }

    public void Dispose() => index.Dispose();
}
