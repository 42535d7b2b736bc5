using System.Runtime.CompilerServices;

namespace FaceIndex.Annoy.Internal;

/// <summary>
/// annoy's scalar kernels in annoy's exact float order: one accumulator from +0, index order, no FMA.
/// The build and every stored value use these, because the bytes of the file depend on each rounding.
/// </summary>
internal static unsafe class ExactKernels
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int f)
    {
        var s = 0f;
        for (var z = 0; z < f; z++)
        {
            s += x[z] * y[z];
        }

        return s;
    }

    /// <summary>
    /// Four independent dot products of <paramref name="w"/> with four vectors. Each keeps its own single
    /// accumulator in index order, so each result is bit-identical to <see cref="Dot"/>; interleaving them only
    /// hides the add latency of one serial chain.
    /// </summary>
    public static void Dot4(float* w, float* a, float* b, float* c, float* d, int f, out float ra, out float rb, out float rc, out float rd)
    {
        float sa = 0f, sb = 0f, sc = 0f, sd = 0f;
        for (var z = 0; z < f; z++)
        {
            var wz = w[z];
            sa += wz * a[z];
            sb += wz * b[z];
            sc += wz * c[z];
            sd += wz * d[z];
        }

        ra = sa;
        rb = sb;
        rc = sc;
        rd = sd;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float EuclideanSquared(float* x, float* y, int f)
    {
        var s = 0f;
        for (var z = 0; z < f; z++)
        {
            var t = x[z] - y[z];
            s += t * t;
        }

        return s;
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Manhattan(float* x, float* y, int f)
    {
        var s = 0f;
        for (var z = 0; z < f; z++)
        {
            s += MathF.Abs(x[z] - y[z]);
        }

        return s;
    }

    /// <summary>annoy's Angular::distance: sqrtf of the float product, the division and subtraction in double.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float AngularFromParts(float pp, float qq, float pq)
    {
        var ppqq = pp * qq;
        return ppqq > 0f ? (float)(2.0 - (2.0 * pq / MathF.Sqrt(ppqq))) : 2.0f;
    }
}
