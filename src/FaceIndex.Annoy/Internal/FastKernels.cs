using System.Numerics.Tensors;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace FaceIndex.Annoy.Internal;

/// <summary>
/// SIMD kernels for the query path, where only the ranking matters (results agree with annoy's to ~1e-6, not bit for bit).
/// </summary>
internal static unsafe class FastKernels
{
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static float Dot(float* x, float* y, int f) =>
        TensorPrimitives.Dot(new ReadOnlySpan<float>(x, f), new ReadOnlySpan<float>(y, f));

    public static float EuclideanSquared(float* x, float* y, int f)
    {
        var z = 0;
        var s = 0f;
        if (Vector512.IsHardwareAccelerated && f >= 32)
        {
            var acc0 = Vector512<float>.Zero;
            var acc1 = Vector512<float>.Zero;
            for (; z + 32 <= f; z += 32)
            {
                var d0 = Vector512.Load(x + z) - Vector512.Load(y + z);
                var d1 = Vector512.Load(x + z + 16) - Vector512.Load(y + z + 16);
                acc0 += d0 * d0;
                acc1 += d1 * d1;
            }

            s = Vector512.Sum(acc0 + acc1);
        }
        else if (Vector256.IsHardwareAccelerated && f >= 16)
        {
            var acc0 = Vector256<float>.Zero;
            var acc1 = Vector256<float>.Zero;
            for (; z + 16 <= f; z += 16)
            {
                var d0 = Vector256.Load(x + z) - Vector256.Load(y + z);
                var d1 = Vector256.Load(x + z + 8) - Vector256.Load(y + z + 8);
                acc0 += d0 * d0;
                acc1 += d1 * d1;
            }

            s = Vector256.Sum(acc0 + acc1);
        }

        for (; z < f; z++)
        {
            var t = x[z] - y[z];
            s += t * t;
        }

        return s;
    }

    public static float Manhattan(float* x, float* y, int f)
    {
        var z = 0;
        var s = 0f;
        if (Vector256.IsHardwareAccelerated && f >= 8)
        {
            var acc = Vector256<float>.Zero;
            for (; z + 8 <= f; z += 8)
            {
                acc += Vector256.Abs(Vector256.Load(x + z) - Vector256.Load(y + z));
            }

            s = Vector256.Sum(acc);
        }

        for (; z < f; z++)
        {
            s += MathF.Abs(x[z] - y[z]);
        }

        return s;
    }
}
