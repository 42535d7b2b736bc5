namespace FaceIndex.Annoy;

/// <summary>A nearest-neighbour index over fixed-length float vectors with integer ids (Annoy, or exact brute force).</summary>
public interface IAnnIndex : IDisposable
{
    /// <summary>The vector length.</summary>
    int Dimension { get; }

    /// <summary>The distance the index ranks by.</summary>
    AnnoyMetric Metric { get; }

    /// <summary>One more than the largest id added (annoy's get_n_items), or read from a loaded file.</summary>
    int ItemCount { get; }

    /// <summary>Adds (or for the exact index, replaces) the vector with id <paramref name="id"/>.</summary>
    void AddItem(int id, ReadOnlySpan<float> vector);

    /// <summary>The up to <paramref name="n"/> nearest items to <paramref name="vector"/>; <paramref name="searchK"/> -1 means n × trees.</summary>
    NearestNeighbors GetNnsByVector(ReadOnlySpan<float> vector, int n, int searchK = -1, bool includeDistances = false);

    /// <summary>The up to <paramref name="n"/> nearest items to the stored item <paramref name="item"/> (itself included).</summary>
    NearestNeighbors GetNnsByItem(int item, int n, int searchK = -1, bool includeDistances = false);

    /// <summary>
    /// Allocation-free query: writes up to <paramref name="n"/> ids (and distances, when that span is not empty) and returns how many.
    /// </summary>
    int Search(ReadOnlySpan<float> vector, int n, int searchK, Span<int> ids, Span<float> distances);

    /// <summary>The stored vector of <paramref name="item"/>.</summary>
    float[] GetItemVector(int item);

    /// <summary>The distance between two stored items, as annoy's get_distance returns it.</summary>
    float GetDistance(int i, int j);
}
