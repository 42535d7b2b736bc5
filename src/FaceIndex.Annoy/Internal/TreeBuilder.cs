namespace FaceIndex.Annoy.Internal;

/// <summary>
/// Builds trees with one RNG into its own node store, exactly as annoy's thread_build/_make_tree/create_split
/// (annoylib.h 367-410, 488-632, 769-781, 1178-1363). Tree node L of this builder is numbered itemCount + L;
/// the index relocates the nodes when it concatenates several builders in thread order.
/// </summary>
internal sealed unsafe class TreeBuilder : IDisposable
{
    private const int TwoMeansIterations = 200;

    private readonly NodeLayout _layout;
    private readonly NodeStore _items;
    private readonly int _itemCount;
    private readonly int _dim;
    private readonly AnnoyMetric _metric;
    private readonly int[] _indices;
    private readonly int[] _scratch;
    private readonly float[] _margins;
    private readonly byte[] _sides;
    private readonly float[] _p;
    private readonly float[] _q;
    private Kiss64Random _random;

    public TreeBuilder(NodeLayout layout, NodeStore items, int itemCount, ulong seed, NodeStore output)
    {
        _layout = layout;
        _items = items;
        _itemCount = itemCount;
        _dim = layout.Dimension;
        _metric = layout.Metric;
        _random = new Kiss64Random(seed);
        Output = output;

        var added = 0;
        for (var i = 0; i < itemCount; i++)
        {
            if (*(int*)items.Node(i) >= 1)
            {
                added++;
            }
        }

        _indices = new int[added];
        _scratch = new int[added];
        _margins = new float[added];
        _sides = new byte[added];
        _p = new float[_dim];
        _q = new float[_dim];
    }

    /// <summary>This builder's nodes, local index 0 first.</summary>
    public NodeStore Output { get; }

    public long NodeCount { get; private set; }

    /// <summary>Roots in build order, numbered as itemCount + local index.</summary>
    public List<int> Roots { get; } = [];

    /// <summary>Builds <paramref name="trees"/> trees, or with -1 trees until this builder holds <paramref name="nodeLimit"/> nodes.</summary>
    public void Build(int trees, long nodeLimit)
    {
        while (trees == -1 ? NodeCount < nodeLimit : Roots.Count < trees)
        {
            var n = 0;
            for (var i = 0; i < _itemCount; i++)
            {
                if (*(int*)_items.Node(i) >= 1)
                {
                    _indices[n++] = i;
                }
            }

            Roots.Add(MakeTree(0, n, isRoot: true));
        }
    }

    public void Dispose() => Output.Dispose();

    private float* ItemVector(int item) => (float*)(_items.Node(item) + _layout.VectorOffset);

    private int Allocate(out byte* node)
    {
        Output.EnsureCapacity(NodeCount + 1);
        node = Output.Node(NodeCount);
        return checked(_itemCount + (int)NodeCount++);
    }

    private int MakeTree(int lo, int count, bool isRoot)
    {
        var k = _layout.MaxLeafItems;
        if (count == 1 && !isRoot)
        {
            return _indices[lo];
        }

        if (count <= k && (!isRoot || _itemCount <= k || count == 1))
        {
            var leaf = Allocate(out var node);
            *(int*)node = isRoot ? _itemCount : count;
            _indices.AsSpan(lo, count).CopyTo(new Span<int>(node + _layout.ChildrenOffset, count));
            return leaf;
        }

        var normal = new float[_dim];
        var extra = 0f;
        int n0 = 0, n1 = 0;
        for (var attempt = 0; attempt < 3; attempt++)
        {
            CreateSplit(lo, count, normal, ref extra);
            AssignSides(lo, count, normal, extra, out n0, out n1);
            if (SplitImbalance(n0, n1) < 0.95)
            {
                break;
            }
        }

        // No usable hyperplane: a zero normal and coin flips; the metric's scalar keeps its last value (as annoy).
        while (SplitImbalance(n0, n1) > 0.99)
        {
            Array.Clear(normal);
            n0 = n1 = 0;
            for (var i = lo; i < lo + count; i++)
            {
                var side = (byte)_random.Flip();
                _sides[i] = side;
                if (side == 0)
                {
                    n0++;
                }
                else
                {
                    n1++;
                }
            }
        }

        // Stable partition: side 0 first, then side 1, each in ascending id order.
        var w0 = lo;
        var w1 = 0;
        for (var i = lo; i < lo + count; i++)
        {
            if (_sides[i] == 0)
            {
                _indices[w0++] = _indices[i];
            }
            else
            {
                _scratch[w1++] = _indices[i];
            }
        }

        _scratch.AsSpan(0, w1).CopyTo(_indices.AsSpan(lo + n0));

        var flip = n0 > n1 ? 1 : 0;
        int child0 = 0, child1 = 0;
        for (var s = 0; s < 2; s++)
        {
            // The smaller side is built first, so it gets the smaller node numbers (post-order, as annoy).
            if ((s ^ flip) == 0)
            {
                child0 = MakeTree(lo, n0, false);
            }
            else
            {
                child1 = MakeTree(lo + n0, n1, false);
            }
        }

        var index = Allocate(out var m);
        *(int*)m = isRoot ? _itemCount : count;
        ((int*)(m + _layout.ChildrenOffset))[0] = child0;
        ((int*)(m + _layout.ChildrenOffset))[1] = child1;
        if (_metric != AnnoyMetric.Angular)
        {
            *(float*)(m + _layout.ExtraOffset) = extra;
        }

        normal.AsSpan().CopyTo(new Span<float>(m + _layout.VectorOffset, _dim));
        return index;
    }

    private static double SplitImbalance(int left, int right)
    {
        double ls = (float)left;
        double rs = (float)right;
        var f = (float)(ls / (ls + rs + 1e-9));
        return Math.Max(f, 1 - f);
    }

    private void AssignSides(int lo, int count, float[] normal, float extra, out int n0, out int n1)
    {
        fixed (float* w = normal)
        {
            // Margins are pure, so they are computed four at a time; the flips below stay in index order.
            var i = lo;
            var end = lo + count;
            var rows = stackalloc float*[8];
            fixed (float* margins = _margins)
            {
                for (; i + 8 <= end; i += 8)
                {
                    for (var r = 0; r < 8; r++)
                    {
                        rows[r] = ItemVector(_indices[i + r]);
                    }

                    ExactKernels.Dot8(w, rows, _dim, margins + i);
                }
            }

            for (; i + 4 <= end; i += 4)
            {
                ExactKernels.Dot4(w, ItemVector(_indices[i]), ItemVector(_indices[i + 1]), ItemVector(_indices[i + 2]), ItemVector(_indices[i + 3]), _dim,
                    out _margins[i], out _margins[i + 1], out _margins[i + 2], out _margins[i + 3]);
            }

            for (; i < end; i++)
            {
                _margins[i] = ExactKernels.Dot(w, ItemVector(_indices[i]), _dim);
            }
        }

        var add = _metric switch
        {
            AnnoyMetric.Euclidean or AnnoyMetric.Manhattan => true,
            _ => false,
        };
        var dotTerm = _metric == AnnoyMetric.Dot ? extra * extra : 0f;
        n0 = n1 = 0;
        for (var i = lo; i < lo + count; i++)
        {
            var margin = _metric switch
            {
                AnnoyMetric.Dot => _margins[i] + dotTerm,
                _ when add => extra + _margins[i],
                _ => _margins[i],
            };
            var side = margin != 0f ? (margin > 0f ? (byte)1 : (byte)0) : (byte)_random.Flip();
            _sides[i] = side;
            if (side == 0)
            {
                n0++;
            }
            else
            {
                n1++;
            }
        }
    }

    private void CreateSplit(int lo, int count, float[] normal, ref float extra)
    {
        fixed (float* p = _p, q = _q, n = normal)
        {
            var pExtra = 0f;
            var qExtra = 0f;
            TwoMeans(lo, count, p, q, ref pExtra, ref qExtra);
            for (var z = 0; z < _dim; z++)
            {
                n[z] = p[z] - q[z];
            }

            switch (_metric)
            {
                case AnnoyMetric.Angular:
                    NormalizeBase(n);
                    break;
                case AnnoyMetric.Euclidean or AnnoyMetric.Manhattan:
                    NormalizeBase(n);
                    var a = 0f;
                    for (var z = 0; z < _dim; z++)
                    {
                        a += -n[z] * (p[z] + q[z]) / 2;
                    }

                    extra = a;
                    break;
                case AnnoyMetric.Dot:
                    extra = pExtra - qExtra;
                    NormalizeDot(n, ref extra);
                    break;
                default:
                    throw new InvalidOperationException("unknown metric");
            }
        }
    }

    private void TwoMeans(int lo, int count, float* p, float* q, ref float pExtra, ref float qExtra)
    {
        var cosine = _metric is AnnoyMetric.Angular or AnnoyMetric.Dot;
        var f = _dim;
        var uc = (ulong)count;
        var i = (int)_random.Index(uc);
        var j = (int)_random.Index(uc - 1);
        if (j >= i)
        {
            j++;
        }

        new ReadOnlySpan<float>(ItemVector(_indices[lo + i]), f).CopyTo(new Span<float>(p, f));
        new ReadOnlySpan<float>(ItemVector(_indices[lo + j]), f).CopyTo(new Span<float>(q, f));
        if (_metric == AnnoyMetric.Dot)
        {
            pExtra = *(float*)(_items.Node(_indices[lo + i]) + _layout.ExtraOffset);
            qExtra = *(float*)(_items.Node(_indices[lo + j]) + _layout.ExtraOffset);
            NormalizeDot(p, ref pExtra);
            NormalizeDot(q, ref qExtra);
        }
        else if (cosine)
        {
            NormalizeBase(p);
            NormalizeBase(q);
        }

        // init_node: only angular keeps a norm; it is read back by Angular::distance.
        var pNorm = _metric == AnnoyMetric.Angular ? ExactKernels.Dot(p, p, f) : 0f;
        var qNorm = _metric == AnnoyMetric.Angular ? ExactKernels.Dot(q, q, f) : 0f;

        int ic = 1, jc = 1;
        for (var l = 0; l < TwoMeansIterations; l++)
        {
            var itemIndex = _indices[lo + (int)_random.Index(uc)];
            var yNode = _items.Node(itemIndex);
            var y = (float*)(yNode + _layout.VectorOffset);

            // The distances and the norm are independent in-order chains, computed in one pass.
            float di, dj, norm;
            switch (_metric)
            {
                case AnnoyMetric.Angular:
                    {
                        ExactKernels.Dot3(p, q, y, f, out var py, out var qy, out var yy);
                        var stored = *(float*)(yNode + _layout.ExtraOffset);
                        var itemNorm = stored != 0f ? stored : yy;
                        di = ic * ExactKernels.AngularFromParts(pNorm, itemNorm, py);
                        dj = jc * ExactKernels.AngularFromParts(qNorm, itemNorm, qy);
                        norm = MathF.Sqrt(yy);
                        break;
                    }

                case AnnoyMetric.Dot:
                    {
                        ExactKernels.Dot3(p, q, y, f, out var py, out var qy, out var yy);
                        di = ic * -py;
                        dj = jc * -qy;
                        norm = MathF.Sqrt(yy);
                        break;
                    }

                case AnnoyMetric.Euclidean:
                    {
                        ExactKernels.EuclideanSquared2(p, q, y, f, out var dp, out var dq);
                        di = ic * dp;
                        dj = jc * dq;
                        norm = 1f;
                        break;
                    }

                default:
                    {
                        ExactKernels.Manhattan2(p, q, y, f, out var dp, out var dq);
                        di = ic * dp;
                        dj = jc * dq;
                        norm = 1f;
                        break;
                    }
            }

            if (!(norm > 0f))
            {
                continue;
            }

            if (di < dj)
            {
                ExactKernels.UpdateCentroid(p, y, norm, ic, f);
                if (_metric == AnnoyMetric.Angular)
                {
                    pNorm = ExactKernels.Dot(p, p, f);
                }

                ic++;
            }
            else if (dj < di)
            {
                ExactKernels.UpdateCentroid(q, y, norm, jc, f);
                if (_metric == AnnoyMetric.Angular)
                {
                    qNorm = ExactKernels.Dot(q, q, f);
                }

                jc++;
            }
        }
    }

    private void NormalizeBase(float* v)
    {
        var norm = MathF.Sqrt(ExactKernels.Dot(v, v, _dim));
        if (norm > 0f)
        {
            ExactKernels.Divide(v, norm, _dim);
        }
    }

    private void NormalizeDot(float* v, ref float dotFactor)
    {
        // DotProduct::normalize: float dot + pow(float, 2) in double, a double sqrt, then rounded to float.
        var norm = (float)Math.Sqrt(ExactKernels.Dot(v, v, _dim) + ((double)dotFactor * dotFactor));
        if (norm > 0f)
        {
            ExactKernels.Divide(v, norm, _dim);
            dotFactor /= norm;
        }
    }
}
