using System.Runtime.CompilerServices;

namespace FaceIndex.Annoy.Internal;

/// <summary>
/// Per-thread buffers of the query path, reused across queries so that visiting a node allocates nothing:
/// the (priority, node) max-heap, the candidate list and the top-n selection.
/// </summary>
internal sealed class QueryScratch
{
    [ThreadStatic]
    private static QueryScratch? t_current;

    private float[] _heapPriority = new float[256];
    private int[] _heapNode = new int[256];
    private int _heapCount;

    public static QueryScratch Current => t_current ??= new QueryScratch();

    public int[] Candidates { get; private set; } = new int[1024];

    public int CandidateCount { get; set; }

    public float[] TopDistance { get; private set; } = new float[64];

    public int[] TopId { get; private set; } = new int[64];

    public int HeapCount => _heapCount;

    /// <summary>One bit per item: seen in this query's candidates. Cleared after each query through the candidate list.</summary>
    public ulong[] Seen { get; private set; } = [];

    public void EnsureSeen(int items)
    {
        var words = (items + 63) >> 6;
        if (Seen.Length < words)
        {
            Seen = new ulong[words];
        }
    }

    public void ClearHeap() => _heapCount = 0;

    public void EnsureCandidateRoom(int extra)
    {
        if (CandidateCount + extra > Candidates.Length)
        {
            var grown = new int[Math.Max(Candidates.Length * 2, CandidateCount + extra)];
            Candidates.AsSpan(0, CandidateCount).CopyTo(grown);
            Candidates = grown;
        }
    }

    public void EnsureTop(int n)
    {
        if (n > TopId.Length)
        {
            TopId = new int[n];
            TopDistance = new float[n];
        }
    }

    /// <summary>
    /// Pushes onto the max-heap ordered like std::priority_queue&lt;pair&lt;float, int&gt;&gt;: by priority,
    /// then by the larger node index (annoy's tie-break, which matters on ties).
    /// </summary>
    public void Push(float priority, int node)
    {
        if (_heapCount == _heapNode.Length)
        {
            Array.Resize(ref _heapNode, _heapCount * 2);
            Array.Resize(ref _heapPriority, _heapCount * 2);
        }

        var i = _heapCount++;
        while (i > 0)
        {
            var parent = (i - 1) >> 1;
            if (!Less(_heapPriority[parent], _heapNode[parent], priority, node))
            {
                break;
            }

            _heapPriority[i] = _heapPriority[parent];
            _heapNode[i] = _heapNode[parent];
            i = parent;
        }

        _heapPriority[i] = priority;
        _heapNode[i] = node;
    }

    public void Pop(out float priority, out int node)
    {
        priority = _heapPriority[0];
        node = _heapNode[0];
        var count = --_heapCount;
        if (count == 0)
        {
            return;
        }

        var lastP = _heapPriority[count];
        var lastN = _heapNode[count];
        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Less(_heapPriority[child], _heapNode[child], _heapPriority[child + 1], _heapNode[child + 1]))
            {
                child++;
            }

            if (!Less(lastP, lastN, _heapPriority[child], _heapNode[child]))
            {
                break;
            }

            _heapPriority[i] = _heapPriority[child];
            _heapNode[i] = _heapNode[child];
            i = child;
        }

        _heapPriority[i] = lastP;
        _heapNode[i] = lastN;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Less(float ap, int an, float bp, int bn) => ap < bp || (!(bp < ap) && an < bn);
}
