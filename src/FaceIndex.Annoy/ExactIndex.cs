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
        var top = new TopN(Math.Min(n, ItemCount));
        fixed (float* q = vector)
        {
            Scan(q, ExactKernels.Dot(q, q, Dimension), 0, ItemCount, top);
        }

        var count = top.Drain(ids, distances);
        Normalize(distances[..Math.Min(count, distances.Length)]);
        return count;
    }

    /// <summary>
    /// Exact neighbours of many queries at once, blocked so that a slice of items stays in cache for a group of
    /// queries, on all cores: ground truth for recall measurements on large sets.
    /// </summary>
    public NearestNeighbors[] GetNnsByVectors(IReadOnlyList<float[]> queries, int n, bool includeDistances = false)
    {
        ArgumentNullException.ThrowIfNull(queries);
        const int QueryBlock = 16;
        const int ItemBlock = 2048;
        var results = new NearestNeighbors[queries.Count];
        var blocks = (queries.Count + QueryBlock - 1) / QueryBlock;
        Parallel.For(0, blocks, b =>
        {
            var q0 = b * QueryBlock;
            var qn = Math.Min(QueryBlock, queries.Count - q0);
            var tops = new TopN[qn];
            var norms = new float[qn];
            for (var i = 0; i < qn; i++)
            {
                if (queries[q0 + i].Length != Dimension)
                {
                    throw new ArgumentException($"query {q0 + i} has {queries[q0 + i].Length} values; this index holds {Dimension}", nameof(queries));
                }

                tops[i] = new TopN(Math.Min(n, ItemCount));
                fixed (float* q = queries[q0 + i])
                {
                    norms[i] = ExactKernels.Dot(q, q, Dimension);
                }
            }

            for (var i0 = 0; i0 < ItemCount; i0 += ItemBlock)
            {
                var i1 = Math.Min(ItemCount, i0 + ItemBlock);
                for (var i = 0; i < qn; i++)
                {
                    fixed (float* q = queries[q0 + i])
                    {
                        Scan(q, norms[i], i0, i1, tops[i]);
                    }
                }
            }

            for (var i = 0; i < qn; i++)
            {
                var ids = new int[tops[i].Count];
                var d = new float[ids.Length];
                tops[i].Drain(ids, d);
                Normalize(d);
                results[q0 + i] = new NearestNeighbors(ids, includeDistances ? d : null);
            }
        });
        return results;
    }

    private void Scan(float* q, float qq, int from, int to, TopN top)
    {
        var f = Dimension;
        fixed (float* all = _vectors)
        {
            for (var j = from; j < to; j++)
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
                top.Offer(dist, j);
            }
        }
    }

    private void Normalize(Span<float> distances)
    {
        foreach (ref var d in distances)
        {
            d = Metric switch
            {
                AnnoyMetric.Angular or AnnoyMetric.Euclidean => MathF.Sqrt(MathF.Max(d, 0f)),
                AnnoyMetric.Manhattan => MathF.Max(d, 0f),
                _ => -d,
            };
        }
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
}
