using System.Globalization;
using System.Runtime.Intrinsics.X86;
using FaceIndex.Annoy.Internal;

namespace FaceIndex.Annoy;

/// <summary>
/// A managed Annoy index, file-compatible with spotify/annoy 1.17.3: build with one thread and a seed to write annoy's
/// exact bytes; load annoy's files through a read-only memory map. Queries are thread-safe once built or loaded.
/// </summary>
public sealed unsafe class AnnoyIndex : IAnnIndex
{
    /// <summary>Below this 2 - 2cos, the query path recomputes the dot exactly (its sqrt error would exceed 1e-6).</summary>
    private const float AngularExactBelow = 0.01f;

    private readonly NodeLayout _layout;
    private NodeStore? _store;
    private int _itemCount;
    private long _nodeCount;
    private int[] _roots = [];
    private bool _built;
    private bool _loaded;
    private string? _onDiskPath;

    /// <summary>Creates an empty index for vectors of <paramref name="dimension"/> floats.</summary>
    public AnnoyIndex(int dimension, AnnoyMetric metric)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(dimension, 1);
        _layout = new NodeLayout(dimension, metric);
    }

    /// <inheritdoc />
    public int Dimension => _layout.Dimension;

    /// <inheritdoc />
    public AnnoyMetric Metric => _layout.Metric;

    /// <inheritdoc />
    public int ItemCount => _itemCount;

    /// <summary>The number of trees (roots) searched.</summary>
    public int TreeCount => _roots.Length;

    /// <summary>The size of one node in bytes (the file is a whole number of them).</summary>
    public int NodeSize => _layout.NodeSize;

    /// <summary>Whether the index was built or loaded, so it can be queried and no longer takes items.</summary>
    public bool IsBuilt => _built;

    /// <summary>Whether the index is a mapped file (from <see cref="Load"/> or an on-disk build) rather than memory.</summary>
    public bool IsLoaded => _loaded;

    /// <summary>
    /// The seed of the build's Kiss64 generator (annoy's set_seed); thread t of a build uses Seed + t.
    /// Defaults to annoy's default seed.
    /// </summary>
    public ulong Seed { get; set; } = Kiss64Random.DefaultSeed;

    /// <summary>Opens an annoy index file (read-only, memory-mapped) of the given dimension and metric.</summary>
    /// <exception cref="AnnoyFormatException">The file is not an annoy index of that dimension and metric.</exception>
    public static AnnoyIndex Open(string path, int dimension, AnnoyMetric metric)
    {
        var index = new AnnoyIndex(dimension, metric);
        try
        {
            index.Load(path);
            return index;
        }
        catch
        {
            index.Dispose();
            throw;
        }
    }

    /// <summary>
    /// Builds into <paramref name="path"/> instead of memory (annoy's on_disk_build): items and trees live in a growing
    /// file mapping, so the index need not fit in RAM. Call before the first <see cref="AddItem"/>; after
    /// <see cref="Build"/> the file is complete and mapped read-only.
    /// </summary>
    public void OnDiskBuild(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_store is not null)
        {
            throw new AnnoyException("OnDiskBuild must be called on an empty index, before AddItem.");
        }

        _onDiskPath = Path.GetFullPath(path);
        _store = new FileNodeStore(_onDiskPath + ".building", _layout.NodeSize);
    }

    /// <inheritdoc />
    public void AddItem(int id, ReadOnlySpan<float> vector)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(id);
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"vector has {vector.Length} values; this index holds {Dimension}", nameof(vector));
        }

        if (_built)
        {
            throw new AnnoyException("Cannot add items to a built or loaded index; build a new index instead.");
        }

        _store ??= new MemoryNodeStore(_layout.NodeSize);
        _store.EnsureCapacity((long)id + 1);
        var node = _store.Node(id);
        new Span<byte>(node, _layout.NodeSize).Clear();
        *(int*)node = 1;
        var v = (float*)(node + _layout.VectorOffset);
        vector.CopyTo(new Span<float>(v, Dimension));
        if (Metric == AnnoyMetric.Angular)
        {
            // The stored norm overwrites children[0] (a union in annoy's Angular::Node).
            *(float*)(node + _layout.ExtraOffset) = ExactKernels.Dot(v, v, Dimension);
        }

        _itemCount = Math.Max(_itemCount, id + 1);
    }

    /// <summary>
    /// Builds <paramref name="trees"/> trees (-1: until the trees hold as many nodes as there are items, as annoy).
    /// <paramref name="threads"/> 1 writes exactly annoy's bytes; more threads (-1: all cores) build each thread's
    /// trees with Seed + thread, deterministic for a given seed and thread count, but unlike annoy's own
    /// (unreproducible) multi-threaded build.
    /// </summary>
    public void Build(int trees, int threads = 1)
    {
        if (trees < -1 || trees == 0)
        {
            throw new ArgumentOutOfRangeException(nameof(trees), trees, "trees must be positive, or -1 for annoy's automatic count");
        }

        if (_built)
        {
            throw new AnnoyException("The index is already built; build a new index to change its trees.");
        }

        threads = threads == -1 ? Environment.ProcessorCount : threads;
        ArgumentOutOfRangeException.ThrowIfLessThan(threads, 1);
        _store ??= new MemoryNodeStore(_layout.NodeSize);
        _store.EnsureCapacity(Math.Max(_itemCount, 1));
        if (Metric == AnnoyMetric.Dot)
        {
            PreprocessDot();
        }

        var builders = new TreeBuilder[threads];
        try
        {
            for (var t = 0; t < threads; t++)
            {
                NodeStore output = _onDiskPath is null
                    ? new MemoryNodeStore(_layout.NodeSize)
                    : new FileNodeStore($"{_onDiskPath}.thread{t.ToString(CultureInfo.InvariantCulture)}", _layout.NodeSize);
                builders[t] = new TreeBuilder(_layout, _store, _itemCount, unchecked(Seed + (ulong)t), output);
            }

            RunBuilders(builders, trees, threads);
            Concatenate(builders);
        }
        finally
        {
            foreach (var b in builders)
            {
                if (b is not null)
                {
                    b.Dispose();
                    if (b.Output is FileNodeStore f)
                    {
                        File.Delete(f.Path);
                    }
                }
            }
        }

        _built = true;
        if (_onDiskPath is { } target)
        {
            var file = (FileNodeStore)_store;
            file.Complete(_nodeCount);
            _store = null;
            _onDiskPath = null;
            File.Move(file.Path, target, overwrite: true);
            ResetState();
            Load(target);
        }
    }

    /// <summary>
    /// Writes the index to <paramref name="path"/> in annoy's format, atomically: to a temporary file beside it,
    /// flushed, then renamed over it. Processes that mapped the old file keep reading the old one.
    /// </summary>
    public void Save(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        RequireBuilt();
        var full = Path.GetFullPath(path);
        var temp = $"{full}.{Environment.ProcessId.ToString(CultureInfo.InvariantCulture)}.{Guid.NewGuid():N}.tmp";
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                var total = _nodeCount * _layout.NodeSize;
                var p = _store!.Base;
                for (long done = 0; done < total;)
                {
                    var chunk = (int)Math.Min(total - done, 1 << 30);
                    fs.Write(new ReadOnlySpan<byte>(p + done, chunk));
                    done += chunk;
                }

                fs.Flush(flushToDisk: true);
            }

            File.Move(temp, full, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            File.Delete(temp);
            throw new AnnoyException($"Cannot save the index to {full}: {e.Message}. Check the folder exists and is writable.", e);
        }
    }

    /// <summary>
    /// Maps an annoy index file read-only (zero copy) and checks its structure: size, roots, and every tree node's
    /// item count and child indices, so a bad file is refused here instead of crashing a query.
    /// </summary>
    /// <exception cref="AnnoyFormatException">The file is not an annoy index of this dimension and metric.</exception>
    public void Load(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (_store is not null)
        {
            throw new AnnoyException("Load needs an empty index; call Unload first or use a new index.");
        }

        var full = Path.GetFullPath(path);
        FileStream file;
        try
        {
            file = new FileStream(full, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new AnnoyException($"Cannot open the index file {full}: {e.Message}", e);
        }

        var s = _layout.NodeSize;
        var length = file.Length;
        var what = $"{Metric.ToString().ToLowerInvariant()} index of dimension {Dimension} (node size {s} bytes)";
        if (length == 0 || length % s != 0)
        {
            file.Dispose();
            throw new AnnoyFormatException(
                $"{full} is not an annoy {what}: its size, {length} bytes, is not a positive multiple of the node size. " +
                "Check the dimension and metric it was built with, or whether the file is truncated.");
        }

        if (length / s > int.MaxValue)
        {
            file.Dispose();
            throw new AnnoyFormatException($"{full} has more than 2^31 nodes; annoy's 32-bit node ids cannot address it.");
        }

        var store = new ReadOnlyMappedStore(file, s, length / s);
        try
        {
            _store = store;
            _nodeCount = length / s;
            FindRootsAndValidate(full, what);
            _built = true;
            _loaded = true;
        }
        catch
        {
            ResetState();
            throw;
        }
    }

    /// <summary>Releases the memory or mapping and returns the index to its empty state.</summary>
    public void Unload() => ResetState();

    /// <inheritdoc />
    public void Dispose() => ResetState();

    /// <inheritdoc />
    public NearestNeighbors GetNnsByVector(ReadOnlySpan<float> vector, int n, int searchK = -1, bool includeDistances = false)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"query has {vector.Length} values; this index holds {Dimension}", nameof(vector));
        }

        fixed (float* q = vector)
        {
            return Collect(q, n, searchK, includeDistances);
        }
    }

    /// <inheritdoc />
    public NearestNeighbors GetNnsByItem(int item, int n, int searchK = -1, bool includeDistances = false) =>
        Collect(StoredVector(item), n, searchK, includeDistances);

    /// <inheritdoc />
    public int Search(ReadOnlySpan<float> vector, int n, int searchK, Span<int> ids, Span<float> distances)
    {
        if (vector.Length != Dimension)
        {
            throw new ArgumentException($"query has {vector.Length} values; this index holds {Dimension}", nameof(vector));
        }

        ArgumentOutOfRangeException.ThrowIfLessThan(ids.Length, n, nameof(ids));
        if (!distances.IsEmpty)
        {
            ArgumentOutOfRangeException.ThrowIfLessThan(distances.Length, n, nameof(distances));
        }

        fixed (float* q = vector)
        {
            return SearchCore(q, n, searchK, ids, distances);
        }
    }

    /// <inheritdoc />
    public float[] GetItemVector(int item)
    {
        var v = StoredVector(item, requireBuilt: false);
        return new ReadOnlySpan<float>(v, Dimension).ToArray();
    }

    /// <inheritdoc />
    public float GetDistance(int i, int j)
    {
        var x = StoredVector(i, requireBuilt: false);
        var y = StoredVector(j, requireBuilt: false);
        var f = Dimension;
        switch (Metric)
        {
            case AnnoyMetric.Angular:
                var pp = *(float*)(_store!.Node(i) + _layout.ExtraOffset);
                var qq = *(float*)(_store.Node(j) + _layout.ExtraOffset);
                pp = pp != 0f ? pp : ExactKernels.Dot(x, x, f);
                qq = qq != 0f ? qq : ExactKernels.Dot(y, y, f);
                return MathF.Sqrt(MathF.Max(ExactKernels.AngularFromParts(pp, qq, ExactKernels.Dot(x, y, f)), 0f));
            case AnnoyMetric.Euclidean:
                return MathF.Sqrt(MathF.Max(ExactKernels.EuclideanSquared(x, y, f), 0f));
            case AnnoyMetric.Manhattan:
                return MathF.Max(ExactKernels.Manhattan(x, y, f), 0f);
            default:
                return ExactKernels.Dot(x, y, f);
        }
    }

    private NearestNeighbors Collect(float* q, int n, int searchK, bool includeDistances)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(n);
        var ids = new int[n];
        var distances = includeDistances ? new float[n] : null;
        var count = SearchCore(q, n, searchK, ids, distances);
        return new NearestNeighbors(
            count == n ? ids : ids[..count],
            distances is null ? null : count == n ? distances : distances[..count]);
    }

    private int SearchCore(float* q, int n, int searchK, Span<int> ids, Span<float> distances)
    {
        RequireBuilt();
        var sc = QueryScratch.Current;
        var store = _store!;
        var bas = store.Base;
        var s = (long)_layout.NodeSize;
        var k = _layout.MaxLeafItems;
        var childOffset = _layout.ChildrenOffset;
        var extraOffset = _layout.ExtraOffset;
        var vecOffset = _layout.VectorOffset;
        var f = Dimension;
        var metric = Metric;
        var itemCount = _itemCount;

        // searchK -1 is n x trees; annoy compares the limit unsigned, so any other negative value is unlimited.
        var limit = searchK == -1 ? (long)n * _roots.Length : searchK < 0 ? long.MaxValue : searchK;
        sc.ClearHeap();
        sc.CandidateCount = 0;
        foreach (var root in _roots)
        {
            sc.Push(float.PositiveInfinity, root);
        }

        while (sc.CandidateCount < limit && sc.HeapCount > 0)
        {
            sc.Pop(out var d, out var i);
            var node = bas + (i * s);
            var descendants = *(int*)node;
            if (i < itemCount)
            {
                // An item (a raw child id); a slot that was never added holds 0 and yields nothing, as in annoy.
                if (descendants == 1)
                {
                    sc.EnsureCandidateRoom(1);
                    sc.Candidates[sc.CandidateCount++] = i;
                }
            }
            else if (descendants <= k)
            {
                sc.EnsureCandidateRoom(descendants);
                new ReadOnlySpan<int>(node + childOffset, descendants).CopyTo(sc.Candidates.AsSpan(sc.CandidateCount));
                sc.CandidateCount += descendants;
            }
            else
            {
                var margin = FastKernels.Dot((float*)(node + vecOffset), q, f);
                if (metric is AnnoyMetric.Euclidean or AnnoyMetric.Manhattan)
                {
                    margin += *(float*)(node + extraOffset);
                }
                else if (metric == AnnoyMetric.Dot)
                {
                    var df = *(float*)(node + extraOffset);
                    margin += df * df;
                }

                var children = (int*)(node + childOffset);

                // std::min keeps its first argument on ties (and on NaN), unlike Math.Min.
                sc.Push(margin < d ? margin : d, children[1]);
                sc.Push(-margin < d ? -margin : d, children[0]);
            }
        }

        // Exact re-ranking of the distinct candidates; (distance, id) order as annoy's partial_sort. annoy sorts the
        // candidates to skip duplicates; a bitset does that without the sort, and the (distance, id) order of the
        // selection does not depend on the order candidates arrive in.
        var candidates = sc.Candidates.AsSpan(0, sc.CandidateCount);
        sc.EnsureTop(n);
        sc.EnsureSeen(itemCount);
        var seen = sc.Seen;
        var topD = sc.TopDistance;
        var topI = sc.TopId;
        var top = 0;
        var qq = metric == AnnoyMetric.Angular ? ExactKernels.Dot(q, q, f) : 0f;
        for (var c = 0; c < candidates.Length; c++)
        {
            if (Sse.IsSupported && c + 4 < candidates.Length)
            {
                var ahead = bas + (candidates[c + 4] * s);
                Sse.Prefetch0(ahead);
                Sse.Prefetch0(ahead + 64);
            }

            var j = candidates[c];
            ref var word = ref seen[j >> 6];
            var bit = 1UL << (j & 63);
            if ((word & bit) != 0)
            {
                continue;
            }

            word |= bit;
            var node = bas + (j * s);
            if (*(int*)node != 1 || n == 0)
            {
                continue;
            }

            var v = (float*)(node + vecOffset);
            float dist;
            switch (metric)
            {
                case AnnoyMetric.Angular:
                    var pp = *(float*)(node + extraOffset);
                    pp = pp != 0f ? pp : FastKernels.Dot(v, v, f);
                    dist = ExactKernels.AngularFromParts(qq, pp, FastKernels.Dot(q, v, f));
                    if (dist < AngularExactBelow)
                    {
                        // Near 0, sqrt magnifies the SIMD rounding (a self-match would read 6e-4, not 0):
                        // redo the dot in annoy's order so near-duplicates get annoy's exact distance.
                        dist = ExactKernels.AngularFromParts(qq, pp, ExactKernels.Dot(q, v, f));
                    }

                    break;
                case AnnoyMetric.Euclidean:
                    dist = FastKernels.EuclideanSquared(q, v, f);
                    break;
                case AnnoyMetric.Manhattan:
                    dist = FastKernels.Manhattan(q, v, f);
                    break;
                default:
                    dist = -FastKernels.Dot(q, v, f);
                    break;
            }

            if (top < n)
            {
                SiftUp(topD, topI, top++, dist, j);
            }
            else if (dist < topD[0] || (dist == topD[0] && j < topI[0]))
            {
                SiftDown(topD, topI, top, dist, j);
            }
        }

        foreach (var j in candidates)
        {
            seen[j >> 6] = 0;
        }

        // Drain the bounded max-heap from the back: largest first.
        for (var r = top - 1; r >= 0; r--)
        {
            var dist = topD[0];
            ids[r] = topI[0];
            if (!distances.IsEmpty)
            {
                distances[r] = metric switch
                {
                    AnnoyMetric.Angular or AnnoyMetric.Euclidean => MathF.Sqrt(MathF.Max(dist, 0f)),
                    AnnoyMetric.Manhattan => MathF.Max(dist, 0f),
                    _ => -dist,
                };
            }

            SiftDown(topD, topI, r, topD[r], topI[r]);
        }

        return top;
    }

    // The same bounded (distance, id) max-heap as Internal/TopN, kept here over the query's local arrays: routing
    // the query through TopN measured 7-12% fewer queries/s at searchK 1,000-10,000 (100k face-like vectors).
    private static bool Greater(float ad, int ai, float bd, int bi) => ad > bd || (ad == bd && ai > bi);

    private static void SiftUp(float[] d, int[] id, int i, float dist, int item)
    {
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Greater(dist, item, d[parent], id[parent]))
            {
                break;
            }

            d[i] = d[parent];
            id[i] = id[parent];
            i = parent;
        }

        d[i] = dist;
        id[i] = item;
    }

    /// <summary>Replaces the root of the max-heap of <paramref name="count"/> entries with (dist, item).</summary>
    private static void SiftDown(float[] d, int[] id, int count, float dist, int item)
    {
        var i = 0;
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

        if (count > 0)
        {
            d[i] = dist;
            id[i] = item;
        }
    }

    private float* StoredVector(int item, bool requireBuilt = true)
    {
        if (requireBuilt)
        {
            RequireBuilt();
        }

        if ((uint)item >= (uint)_itemCount || _store is null)
        {
            throw new ArgumentOutOfRangeException(nameof(item), item, $"the index holds items 0..{_itemCount - 1}");
        }

        var node = _store.Node(item);
        if (*(int*)node != 1)
        {
            throw new ArgumentException($"item {item} was never added to this index", nameof(item));
        }

        return (float*)(node + _layout.VectorOffset);
    }

    private void RequireBuilt()
    {
        if (!_built || _store is null)
        {
            throw new AnnoyException("The index is not built or loaded; call Build or Load first.");
        }
    }

    private void PreprocessDot()
    {
        // DotProduct::preprocess, in annoy's three passes and float arithmetic, over every slot (also never-added ones).
        var st = _store!;
        var f = Dimension;
        var xo = _layout.ExtraOffset;
        for (var i = 0; i < _itemCount; i++)
        {
            var node = st.Node(i);
            var v = (float*)(node + _layout.VectorOffset);
            var d = ExactKernels.Dot(v, v, f);
            *(float*)(node + xo) = d < 0f ? 0f : MathF.Sqrt(d);
        }

        var max = 0f;
        for (var i = 0; i < _itemCount; i++)
        {
            var norm = *(float*)(st.Node(i) + xo);
            if (norm > max)
            {
                max = norm;
            }
        }

        for (var i = 0; i < _itemCount; i++)
        {
            var p = (float*)(st.Node(i) + xo);
            var norm = *p;
            var factor = MathF.Sqrt((max * max) - (norm * norm));
            *p = float.IsNaN(factor) ? 0f : factor;
        }
    }

    private void RunBuilders(TreeBuilder[] builders, int trees, int threads)
    {
        var nodeLimit = (_itemCount + (long)threads - 1) / threads;
        Exception? failure = null;
        var workers = new Thread[threads];
        for (var t = 0; t < threads; t++)
        {
            var builder = builders[t];

            // annoy's split of q trees over n threads: thread t builds floor((q + t) / n).
            var count = trees == -1 ? -1 : (trees + t) / threads;
            workers[t] = new Thread(
                () =>
                {
                    try
                    {
                        if (count != 0)
                        {
                            builder.Build(count, nodeLimit);
                        }
                    }
#pragma warning disable CA1031 // rethrown on the calling thread below
                    catch (Exception e)
#pragma warning restore CA1031
                    {
                        Interlocked.CompareExchange(ref failure, e, null);
                    }
                },
                maxStackSize: 64 << 20) // deep recursion on degenerate data, as annoy's own recursion
            {
                Name = $"annoy-build-{t}",
                IsBackground = true,
            };
            workers[t].Start();
        }

        foreach (var w in workers)
        {
            w.Join();
        }

        if (failure is not null)
        {
            throw new AnnoyException($"Building the trees failed: {failure.Message}", failure);
        }
    }

    private void Concatenate(TreeBuilder[] builders)
    {
        long treeNodes = 0;
        var rootCount = 0;
        foreach (var b in builders)
        {
            treeNodes += b.NodeCount;
            rootCount += b.Roots.Count;
        }

        var total = _itemCount + treeNodes + rootCount;
        if (total > int.MaxValue)
        {
            throw new AnnoyException($"The index would have {total} nodes; annoy's 32-bit node ids allow at most 2^31. Use fewer trees.");
        }

        var store = _store!;
        store.EnsureCapacity(total);
        var s = _layout.NodeSize;
        var k = _layout.MaxLeafItems;
        var co = _layout.ChildrenOffset;
        var next = (long)_itemCount;
        var roots = new List<int>(rootCount);
        foreach (var b in builders)
        {
            var shift = (int)(next - _itemCount);
            for (long l = 0; l < b.NodeCount; l++)
            {
                var dst = store.Node(next + l);
                new ReadOnlySpan<byte>(b.Output.Node(l), s).CopyTo(new Span<byte>(dst, s));
                if (*(int*)dst > k && shift != 0)
                {
                    var children = (int*)(dst + co);
                    for (var c = 0; c < 2; c++)
                    {
                        if (children[c] >= _itemCount)
                        {
                            children[c] += shift;
                        }
                    }
                }
            }

            foreach (var r in b.Roots)
            {
                roots.Add(r + shift);
            }

            next += b.NodeCount;
        }

        // Copies of the roots at the end, in build order: what annoy's load looks for.
        var copies = new int[rootCount];
        for (var r = 0; r < rootCount; r++)
        {
            new ReadOnlySpan<byte>(store.Node(roots[r]), s).CopyTo(new Span<byte>(store.Node(next + r), s));
            copies[rootCount - 1 - r] = (int)(next + r);
        }

        _nodeCount = total;
        _roots = copies;
    }

    private void FindRootsAndValidate(string path, string what)
    {
        var st = _store!;
        var s = _layout.NodeSize;
        var k = _layout.MaxLeafItems;
        var co = _layout.ChildrenOffset;
        var nodes = (int)_nodeCount;

        // annoy's load: the roots are the trailing run of nodes with the last node's n_descendants; the original
        // last root, just before the copies, is dropped when its children[0] matches the first copy's.
        var roots = new List<int>();
        var m = -1;
        for (var i = nodes - 1; i >= 0; i--)
        {
            var nd = *(int*)st.Node(i);
            if (m == -1 || nd == m)
            {
                roots.Add(i);
                m = nd;
            }
            else
            {
                break;
            }
        }

        if (roots.Count > 1 && *(int*)(st.Node(roots[0]) + co) == *(int*)(st.Node(roots[^1]) + co))
        {
            roots.RemoveAt(roots.Count - 1);
        }

        string Bad(string reason) =>
            $"{path} is not a valid annoy {what}: {reason}. Check the dimension and metric it was built with, or whether it is damaged.";

        if (m < 0 || m > nodes)
        {
            throw new AnnoyFormatException(Bad($"its last node claims {m} items, but the file holds {nodes} nodes"));
        }

        // Every tree node: a leaf list of valid item ids, or a split whose children precede it (annoy numbers
        // post-order), which also rules out cycles. Item slots need no check: the query path only reads their floats.
        for (var i = m; i < nodes; i++)
        {
            var node = st.Node(i);
            var nd = *(int*)node;
            var ids = (int*)(node + co);
            if (nd < 0 || nd > Math.Max(m, 1))
            {
                throw new AnnoyFormatException(Bad($"node {i} has n_descendants {nd} (items: {m})"));
            }

            if (nd <= k)
            {
                for (var j = 0; j < nd; j++)
                {
                    if ((uint)ids[j] >= (uint)m)
                    {
                        throw new AnnoyFormatException(Bad($"leaf node {i} lists item {ids[j]}, outside 0..{m - 1}"));
                    }
                }
            }
            else if ((uint)ids[0] >= (uint)i || (uint)ids[1] >= (uint)i)
            {
                throw new AnnoyFormatException(Bad($"split node {i} has children {ids[0]} and {ids[1]}, not below it"));
            }
        }

        foreach (var r in roots)
        {
            if (r < m && *(int*)st.Node(r) != 1)
            {
                throw new AnnoyFormatException(Bad($"root {r} is an item slot"));
            }
        }

        _itemCount = m;
        _roots = [.. roots];
    }

    private void ResetState()
    {
        _store?.Dispose();
        if (_store is FileNodeStore f)
        {
            File.Delete(f.Path);
        }

        _store = null;
        _onDiskPath = null;
        _itemCount = 0;
        _nodeCount = 0;
        _roots = [];
        _built = false;
        _loaded = false;
    }
}
