using System.Runtime.InteropServices;

namespace FaceIndex.AnnoyBench;

/// <summary>Synthetic vectors: face-like (noisy samples around unit identity centres, as the golden set) or uniform.</summary>
internal static class BenchData
{
    public const int SamplesPerIdentity = 10;

    /// <summary>Returns (items, queries). Queries are fresh samples of random identities (face) or fresh uniform points.</summary>
    public static (float[][] Items, float[][] Queries) Generate(string kind, int n, int dim, int queries, int seed)
    {
#pragma warning disable CA5394 // a seeded generator for reproducible benchmark data, not security
        var rng = new Random(seed);
        var noise = 0.35f / MathF.Sqrt(dim);
        if (kind == "uniform")
        {
            float[] Uniform()
            {
                var v = new float[dim];
                for (var z = 0; z < dim; z++)
                {
                    v[z] = (float)((rng.NextDouble() * 2) - 1);
                }

                return v;
            }

            var u = Enumerable.Range(0, n).Select(_ => Uniform()).ToArray();
            return (u, Enumerable.Range(0, queries).Select(_ => Uniform()).ToArray());
        }

        var identities = Math.Max(1, n / SamplesPerIdentity);
        var centres = new float[identities][];
        for (var c = 0; c < identities; c++)
        {
            var v = new float[dim];
            var norm = 0.0;
            for (var z = 0; z < dim; z++)
            {
                v[z] = Normal(rng);
                norm += v[z] * v[z];
            }

            var inv = (float)(1 / Math.Sqrt(norm));
            for (var z = 0; z < dim; z++)
            {
                v[z] *= inv;
            }

            centres[c] = v;
        }

        float[] Sample(float[] centre)
        {
            var v = new float[dim];
            for (var z = 0; z < dim; z++)
            {
                v[z] = centre[z] + (noise * Normal(rng));
            }

            return v;
        }

        var items = new float[n][];
        for (var i = 0; i < n; i++)
        {
            items[i] = Sample(centres[Math.Min(i / SamplesPerIdentity, identities - 1)]);
        }

        var qs = new float[queries][];
        for (var i = 0; i < queries; i++)
        {
            qs[i] = Sample(centres[rng.Next(identities)]);
        }

        return (items, qs);
#pragma warning restore CA5394
    }

    public static void WriteF32(string path, float[][] rows)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        foreach (var r in rows)
        {
            fs.Write(MemoryMarshal.AsBytes(r.AsSpan()));
        }
    }

    public static void WriteI32(string path, IEnumerable<IReadOnlyList<int>> rows, int width)
    {
        using var fs = new FileStream(path, FileMode.Create, FileAccess.Write);
        var row = new int[width];
        foreach (var r in rows)
        {
            Array.Fill(row, -1);
            for (var i = 0; i < Math.Min(width, r.Count); i++)
            {
                row[i] = r[i];
            }

            fs.Write(MemoryMarshal.AsBytes(row.AsSpan()));
        }
    }

    private static float Normal(Random rng)
    {
#pragma warning disable CA5394
        var u1 = 1.0 - rng.NextDouble();
        var u2 = rng.NextDouble();
#pragma warning restore CA5394
        return (float)(Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2));
    }
}
