namespace FaceIndex.Annoy.Internal;

/// <summary>The n smallest (distance, id) pairs seen, in lexicographic order as annoy's partial_sort of pairs.</summary>
internal sealed class TopN
{
    private readonly float[] _d;
    private readonly int[] _id;

    public TopN(int n)
    {
        Capacity = n;
        _d = new float[Math.Max(n, 1)];
        _id = new int[Math.Max(n, 1)];
    }

    public int Capacity { get; }

    public int Count { get; private set; }

    public void Clear() => Count = 0;

    public void Offer(float dist, int item)
    {
        if (Count < Capacity)
        {
            var i = Count++;
            while (i > 0)
            {
                var parent = (i - 1) >> 1;
                if (!Greater(dist, item, _d[parent], _id[parent]))
                {
                    break;
                }

                _d[i] = _d[parent];
                _id[i] = _id[parent];
                i = parent;
            }

            _d[i] = dist;
            _id[i] = item;
        }
        else if (Capacity > 0 && Greater(_d[0], _id[0], dist, item))
        {
            SiftDown(Count, dist, item);
        }
    }

    /// <summary>Writes the pairs nearest first (raw distances) and empties the selection; returns how many.</summary>
    public int Drain(Span<int> ids, Span<float> distances)
    {
        var total = Count;
        for (var r = total - 1; r >= 0; r--)
        {
            ids[r] = _id[0];
            if (!distances.IsEmpty)
            {
                distances[r] = _d[0];
            }

            SiftDown(r, _d[r], _id[r]);
        }

        Count = 0;
        return total;
    }

    private static bool Greater(float ad, int ai, float bd, int bi) => ad > bd || (ad == bd && ai > bi);

    private void SiftDown(int count, float dist, int item)
    {
        if (count == 0)
        {
            return;
        }

        var i = 0;
        while (true)
        {
            var child = (2 * i) + 1;
            if (child >= count)
            {
                break;
            }

            if (child + 1 < count && Greater(_d[child + 1], _id[child + 1], _d[child], _id[child]))
            {
                child++;
            }

            if (!Greater(_d[child], _id[child], dist, item))
            {
                break;
            }

            _d[i] = _d[child];
            _id[i] = _id[child];
            i = child;
        }

        _d[i] = dist;
        _id[i] = item;
    }
}
