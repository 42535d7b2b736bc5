using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

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

    /// <summary>p·y, q·y and y·y, each its own in-order chain (bit-identical to three <see cref="Dot"/> calls).</summary>
    public static void Dot3(float* p, float* q, float* y, int f, out float py, out float qy, out float yy)
    {
        float a = 0f, b = 0f, c = 0f;
        for (var z = 0; z < f; z++)
        {
            var yz = y[z];
            a += p[z] * yz;
            b += q[z] * yz;
            c += yz * yz;
        }

        py = a;
        qy = b;
        yy = c;
    }

    /// <summary>Σ(p−y)² and Σ(q−y)², each its own in-order chain.</summary>
    public static void EuclideanSquared2(float* p, float* q, float* y, int f, out float dp, out float dq)
    {
        float a = 0f, b = 0f;
        for (var z = 0; z < f; z++)
        {
            var yz = y[z];
            var tp = p[z] - yz;
            var tq = q[z] - yz;
            a += tp * tp;
            b += tq * tq;
        }

        dp = a;
        dq = b;
    }

    /// <summary>Σ|p−y| and Σ|q−y|, each its own in-order chain.</summary>
    public static void Manhattan2(float* p, float* q, float* y, int f, out float dp, out float dq)
    {
        float a = 0f, b = 0f;
        for (var z = 0; z < f; z++)
        {
            var yz = y[z];
            a += MathF.Abs(p[z] - yz);
            b += MathF.Abs(q[z] - yz);
        }

        dp = a;
        dq = b;
    }

    /// <summary>
    /// two_means' centroid step p = (p·c + y/norm) / (c+1). Element-wise, so SIMD gives the same correctly rounded
    /// result per element as annoy's scalar loop (no FMA: multiply, divide, add and divide stay separate).
    /// </summary>
    public static void UpdateCentroid(float* p, float* y, float norm, int c, int f)
    {
        var z = 0;
        float fc = c, fc1 = c + 1;
        if (Vector256.IsHardwareAccelerated)
        {
            var vc = Vector256.Create(fc);
            var vc1 = Vector256.Create(fc1);
            var vn = Vector256.Create(norm);
            for (; z + 8 <= f; z += 8)
            {
                var pv = Vector256.Multiply(Vector256.Load(p + z), vc);
                var yv = Vector256.Divide(Vector256.Load(y + z), vn);
                Vector256.Divide(Vector256.Add(pv, yv), vc1).Store(p + z);
            }
        }

        for (; z < f; z++)
        {
            p[z] = ((p[z] * fc) + (y[z] / norm)) / fc1;
        }
    }

    /// <summary>v[z] /= norm for every z (element-wise, so SIMD is exact).</summary>
    public static void Divide(float* v, float norm, int f)
    {
        var z = 0;
        if (Vector256.IsHardwareAccelerated)
        {
            var vn = Vector256.Create(norm);
            for (; z + 8 <= f; z += 8)
            {
                Vector256.Divide(Vector256.Load(v + z), vn).Store(v + z);
            }
        }

        for (; z < f; z++)
        {
            v[z] /= norm;
        }
    }

    /// <summary>Eight independent in-order dot products of <paramref name="w"/> with the vectors at <paramref name="v"/>[0..7].</summary>
    public static void Dot8(float* w, float** v, int f, float* result)
    {
        float s0 = 0f, s1 = 0f, s2 = 0f, s3 = 0f, s4 = 0f, s5 = 0f, s6 = 0f, s7 = 0f;
        float* v0 = v[0], v1 = v[1], v2 = v[2], v3 = v[3], v4 = v[4], v5 = v[5], v6 = v[6], v7 = v[7];
        for (var z = 0; z < f; z++)
        {
            var wz = w[z];
            s0 += wz * v0[z];
            s1 += wz * v1[z];
            s2 += wz * v2[z];
            s3 += wz * v3[z];
            s4 += wz * v4[z];
            s5 += wz * v5[z];
            s6 += wz * v6[z];
            s7 += wz * v7[z];
        }

        result[0] = s0;
        result[1] = s1;
        result[2] = s2;
        result[3] = s3;
        result[4] = s4;
        result[5] = s5;
        result[6] = s6;
        result[7] = s7;
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
