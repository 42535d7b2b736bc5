namespace FaceIndex.Alignment;

/// <summary>A 2-D affine map (x', y') = (M11 x + M12 y + M13, M21 x + M22 y + M23), in pixel coordinates (pixel centres at integers).</summary>
public readonly record struct AffineMatrix(double M11, double M12, double M13, double M21, double M22, double M23)
{
    /// <summary>Where this map sends (<paramref name="x"/>, <paramref name="y"/>).</summary>
    public (double X, double Y) Apply(double x, double y) => ((M11 * x) + (M12 * y) + M13, (M21 * x) + (M22 * y) + M23);

    /// <summary>The inverse map; throws when the map is singular (collinear points).</summary>
    public AffineMatrix Invert()
    {
        var det = (M11 * M22) - (M12 * M21);
        if (Math.Abs(det) < 1e-12)
        {
            throw new FaceIndexException("the alignment transform is singular (the landmarks are collinear or coincide)");
        }

        var i11 = M22 / det;
        var i12 = -M12 / det;
        var i21 = -M21 / det;
        var i22 = M11 / det;
        return new AffineMatrix(i11, i12, -((i11 * M13) + (i12 * M23)), i21, i22, -((i21 * M13) + (i22 * M23)));
    }

    /// <summary>
    /// The similarity (rotation, uniform scale, translation; no reflection) that maps <paramref name="source"/> onto
    /// <paramref name="target"/> with the least sum of squared distances. Closed form: with both point sets centred,
    /// a = sum(x u + y v) / sum(x² + y²), b = sum(x v - y u) / sum(x² + y²), the map [a -b; b a] plus the
    /// translation of the centroids (the same optimum as Umeyama's method, which insightface uses through scikit-image).
    /// </summary>
    public static AffineMatrix Similarity(ReadOnlySpan<(double X, double Y)> source, ReadOnlySpan<(double X, double Y)> target)
    {
        if (source.Length != target.Length || source.Length < 2)
        {
            throw new ArgumentException("need two or more point pairs, as many sources as targets");
        }

        double sx = 0, sy = 0, tx = 0, ty = 0;
        for (var i = 0; i < source.Length; i++)
        {
            sx += source[i].X;
            sy += source[i].Y;
            tx += target[i].X;
            ty += target[i].Y;
        }

        var n = source.Length;
        sx /= n;
        sy /= n;
        tx /= n;
        ty /= n;
        double num1 = 0, num2 = 0, den = 0;
        for (var i = 0; i < n; i++)
        {
            var x = source[i].X - sx;
            var y = source[i].Y - sy;
            var u = target[i].X - tx;
            var v = target[i].Y - ty;
            num1 += (x * u) + (y * v);
            num2 += (x * v) - (y * u);
            den += (x * x) + (y * y);
        }

        if (den < 1e-12)
        {
            throw new FaceIndexException("the alignment points coincide; no similarity transform exists");
        }

        var a = num1 / den;
        var b = num2 / den;
        return new AffineMatrix(a, -b, tx - ((a * sx) - (b * sy)), b, a, ty - ((b * sx) + (a * sy)));
    }

    /// <summary>The affine map that sends the three <paramref name="source"/> points exactly onto the three <paramref name="target"/> points.</summary>
    public static AffineMatrix FromThreePoints(ReadOnlySpan<(double X, double Y)> source, ReadOnlySpan<(double X, double Y)> target)
    {
        if (source.Length != 3 || target.Length != 3)
        {
            throw new ArgumentException("need exactly three point pairs");
        }

        // The map taking the unit frame (0,0),(1,0),(0,1) to each triangle; target ∘ source⁻¹.
        var s = new AffineMatrix(
            source[1].X - source[0].X, source[2].X - source[0].X, source[0].X,
            source[1].Y - source[0].Y, source[2].Y - source[0].Y, source[0].Y);
        var t = new AffineMatrix(
            target[1].X - target[0].X, target[2].X - target[0].X, target[0].X,
            target[1].Y - target[0].Y, target[2].Y - target[0].Y, target[0].Y);
        return t.Then(s.Invert());
    }

    // this ∘ inner: first inner, then this.
    private AffineMatrix Then(AffineMatrix inner) => new(
        (M11 * inner.M11) + (M12 * inner.M21),
        (M11 * inner.M12) + (M12 * inner.M22),
        (M11 * inner.M13) + (M12 * inner.M23) + M13,
        (M21 * inner.M11) + (M22 * inner.M21),
        (M21 * inner.M12) + (M22 * inner.M22),
        (M21 * inner.M13) + (M22 * inner.M23) + M23);
}
