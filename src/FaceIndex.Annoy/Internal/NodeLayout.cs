namespace FaceIndex.Annoy.Internal;

/// <summary>
/// Byte offsets of one metric's node (annoylib.h Angular::Node, Minkowski::Node, DotProduct::Node).
/// Every node of a file has the same size; item ids of a leaf list start at the children offset.
/// </summary>
internal readonly record struct NodeLayout
{
    public NodeLayout(int dimension, AnnoyMetric metric)
    {
        Dimension = dimension;
        Metric = metric;
        (ChildrenOffset, ExtraOffset, VectorOffset) = metric switch
        {
            // n_descendants; union { children[2]; norm }; v[f]
            AnnoyMetric.Angular => (4, 4, 12),

            // n_descendants; a; children[2]; v[f]
            AnnoyMetric.Euclidean or AnnoyMetric.Manhattan => (8, 4, 16),

            // n_descendants; children[2]; dot_factor; v[f]
            AnnoyMetric.Dot => (4, 12, 16),
            _ => throw new ArgumentOutOfRangeException(nameof(metric), metric, "unknown metric"),
        };
        NodeSize = VectorOffset + (4 * dimension);
        MaxLeafItems = (NodeSize - ChildrenOffset) / 4;
    }

    public int Dimension { get; }

    public AnnoyMetric Metric { get; }

    /// <summary>Offset of children[0] and of a leaf's item list.</summary>
    public int ChildrenOffset { get; }

    /// <summary>Offset of the metric's scalar: angular norm, Minkowski plane offset a, dot_factor.</summary>
    public int ExtraOffset { get; }

    public int VectorOffset { get; }

    public int NodeSize { get; }

    /// <summary>annoy's K: the longest item list a node can hold.</summary>
    public int MaxLeafItems { get; }
}
