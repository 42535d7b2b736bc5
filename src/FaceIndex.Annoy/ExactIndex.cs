using FaceIndex.Annoy.Internal;

namespace FaceIndex.Annoy;

/// <summary>
/// Exact nearest neighbours by brute force over all items, with annoy's distances: the ground truth for recall,
/// and a fine index for small sets. Queries are thread-safe once items are added.
/// </summary>
public sealed unsafe class ExactIndex : IAnnIndex
{
    private float[] _vectors = [];
    private float[] _norms = [];
    private bool[] _added = [];

    /// <summary>Creates an empty exact index for vectors of <paramref name="dimension"/> floats.</summary>
    public ExactIndex(int dimension, AnnoyMetric metric)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        Dimension = dimension;
        Metric = metric;
    }

    /// <inheritdoc />
    public int Dimension { get; }

    /// <inheritdoc />
    public AnnoyMetric Metric { get; }

    /// <inheritdoc />
    public int ItemCount { get; private set; }

    /// <inheritdoc />
    public void AddItem(int id, ReadOnlySpan<float> vector)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"vector has {vector.Length} values; this index holds {Dimension}", nameof(vector));
        }

        if (id >= _added.Length)
        {
            var capacity = Math.Max(id + 1, _added.Length * 2);
            Array.Resize(ref _added, capacity);
            Array.Resize(ref _norms, capacity);
            Array.Resize(ref _vectors, checked(capacity * Dimension));
        }

        var dst = _vectors.AsSpan(id * Dimension, Dimension);
        vector.CopyTo(dst);
        fixed (float* v = dst)
        {
            _norms[id] = ExactKernels.Dot(v, v, Dimension);
        }

        _added[id] = true;
        ItemCount = Math.Max(ItemCount, id + 1);
    }

    /// <inheritdoc />
    public NearestNeighbors GetNnsByVector(ReadOnlySpan<float> vector, int n, int searchK = -1, bool includeDistances = false)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var ids = new int[n];
        var distances = includeDistances ? new float[n] : null;
        var count = Search(vector, n, searchK, ids, distances);
        return new NearestNeighbors(ids[..count], distances?[..count]);
    }

    /// <inheritdoc />
    public NearestNeighbors GetNnsByItem(int item, int n, int searchK = -1, bool includeDistances = false) =>
        GetNnsByVector(GetItemVector(item), n, searchK, includeDistances);

    /// <inheritdoc />
    /// <remarks><paramref name="searchK"/> is ignored: every item is compared.</remarks>
    public int Search(ReadOnlySpan<float> vector, int n, int searchK, Span<int> ids, Span<float> distances)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"query has {vector.Length} values; this index holds {Dimension}", nameof(vector));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ids.Length, n, nameof(ids));
        n = Math.Min(n, ItemCount);
        var topD = new float[Math.Max(n, 1)];
        var topI = new int[Math.Max(n, 1)];
        var top = 0;
        var f = Dimension;
        fixed (float* q = vector)
        fixed (float* all = _vectors)
        {
            var qq = ExactKernels.Dot(q, q, f);
            for (var j = 0; j < ItemCount && n > 0; j++)
            {
                if (!_added[j])
                {
                    continue;
                }

                var v = all + ((long)j * f);
                var dist = Metric switch
                {
                    AnnoyMetric.Angular => Angular(q, v, qq, _norms[j], f),
                    AnnoyMetric.Euclidean => FastKernels.EuclideanSquared(q, v, f),
                    AnnoyMetric.Manhattan => FastKernels.Manhattan(q, v, f),
                    _ => -FastKernels.Dot(q, v, f),
                };

                // Keep the n smallest (distance, id) pairs in a max-heap.
                if (top < n)
                {
                    var i = top++;
                    while (i > 0 && Greater(dist, j, topD[(i - 1) >> 1], topI[(i - 1) >> 1]))
                    {
                        topD[i] = topD[(i - 1) >> 1];
                        topI[i] = topI[(i - 1) >> 1];
                        i = (i - 1) >> 1;
                    }

                    topD[i] = dist;
                    topI[i] = j;
                }
                else if (Greater(topD[0], topI[0], dist, j))
                {
                    topD[0] = dist;
                    topI[0] = j;
                    SiftDown(topD, topI, top);
                }
            }
        }

        var order = new int[top];
        for (var i = 0; i < top; i++)
        {
            order[i] = i;
        }

        Array.Sort(order, (a, b) => Greater(topD[a], topI[a], topD[b], topI[b]) ? 1 : Greater(topD[b], topI[b], topD[a], topI[a]) ? -1 : 0);
        for (var r = 0; r < top; r++)
        {
            ids[r] = topI[order[r]];
            if (!distances.IsEmpty)
            {
                var d = topD[order[r]];
                distances[r] = Metric switch
                {
                    AnnoyMetric.Angular or AnnoyMetric.Euclidean => MathF.Sqrt(MathF.Max(d, 0f)),
                    AnnoyMetric.Manhattan => MathF.Max(d, 0f),
                    _ => -d,
                };
            }
        }

        return top;
    }

    /// <inheritdoc />
    public float[] GetItemVector(int item)
    {
        if ((uint)item >= (uint)ItemCount || !_added[item])
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, "no such item in this index");
        }

        return _vectors.AsSpan(item * Dimension, Dimension).ToArray();
    }

    /// <inheritdoc />
    public float GetDistance(int i, int j)
    {
        var x = GetItemVector(i);
        var y = GetItemVector(j);
        var f = Dimension;
        fixed (float* px = x, py = y)
        {
            return Metric switch
            {
                AnnoyMetric.Angular => MathF.Sqrt(MathF.Max(ExactKernels.AngularFromParts(_norms[i], _norms[j], ExactKernels.Dot(px, py, f)), 0f)),
                AnnoyMetric.Euclidean => MathF.Sqrt(MathF.Max(ExactKernels.EuclideanSquared(px, py, f), 0f)),
                AnnoyMetric.Manhattan => MathF.Max(ExactKernels.Manhattan(px, py, f), 0f),
                _ => ExactKernels.Dot(px, py, f),
            };
        }
    }

    /// <summary>Nothing to release: the vectors are managed memory.</summary>
    public void Dispose()
    {
    }

    private static float Angular(float* q, float* v, float qq, float pp, int f)
    {
        var d = ExactKernels.AngularFromParts(qq, pp, FastKernels.Dot(q, v, f));

        // Near 0, sqrt magnifies SIMD rounding; redo the dot in annoy's order there (as AnnoyIndex does).
        return d < 0.01f ? ExactKernels.AngularFromParts(qq, pp, ExactKernels.Dot(q, v, f)) : d;
    }

    private static bool Greater(float ad, int ai, float bd, int bi) => ad > bd || (ad == bd && ai > bi);

    private static void SiftDown(float[] d, int[] id, int count)
    {
        var i = 0;
        var dist = d[0];
        var item = id[0];
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Greater(d[child + 1], id[child + 1], d[child], id[child]))
            {
                child++;
            }

            if (!Greater(d[child], id[child], dist, item))
            {
                break;
            }

            d[i] = d[child];
            id[i] = id[child];
            i = child;
        }

        d[i] = dist;
        id[i] = item;
    }
}
