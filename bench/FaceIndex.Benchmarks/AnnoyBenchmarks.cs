using System.Numerics.Tensors;
using BenchmarkDotNet.Attributes;
using FaceIndex.Annoy;

namespace FaceIndex.Benchmarks;

/// <summary>
/// Annoy's kernels and one query: the exact scalar dot (annoy's order, used by the build) against the SIMD one
/// (used by queries), and a full query on a 20,000-vector face-like index.
/// <c>dotnet run -c Release --project bench/FaceIndex.Benchmarks -- --filter '*Annoy*'</c>
/// </summary>
[MemoryDiagnoser]
public class AnnoyBenchmarks : IDisposable
{
    private const int Items = 20_000;
    private float[] _x = [];
    private float[] _y = [];
    private float[][] _queries = [];
    private AnnoyIndex? _index;
    private readonly int[] _ids = new int[10];
    private readonly float[] _distances = new float[10];
    private int _next;

    /// <summary>The vector length.</summary>
    [Params(128)]
    public int Dim { get; set; }

    /// <summary>Builds the vectors and a 10-tree angular index.</summary>
    [GlobalSetup]
    public void Setup()
    {
#pragma warning disable CA5394 // seeded benchmark data
        var rng = new Random(42);
        float[] Vec() => Enumerable.Range(0, Dim).Select(_ => (float)((rng.NextDouble() * 2) - 1)).ToArray();
#pragma warning restore CA5394
        _x = Vec();
        _y = Vec();
        var centres = Enumerable.Range(0, Items / 10).Select(_ => Vec()).ToArray();
        _index = new AnnoyIndex(Dim, AnnoyMetric.Angular) { Seed = 42 };
        for (var i = 0; i < Items; i++)
        {
            var v = Vec();
            for (var z = 0; z < Dim; z++)
            {
                v[z] = centres[i / 10][z] + (0.1f * v[z]);
            }

            _index.AddItem(i, v);
        }

        _index.Build(10);
        _queries = Enumerable.Range(0, 64).Select(i => _index.GetItemVector(i * 97)).ToArray();
    }

    /// <summary>annoy's build-time dot: one float accumulator in index order.</summary>
    [Benchmark(Baseline = true)]
    public float DotScalarExact()
    {
        var s = 0f;
        for (var z = 0; z < _x.Length; z++)
        {
            s += _x[z] * _y[z];
        }

        return s;
    }

    /// <summary>The query-time dot (TensorPrimitives).</summary>
    [Benchmark]
    public float DotTensorPrimitives() => TensorPrimitives.Dot(_x, _y);

    /// <summary>One top-10 query at searchK 1000 (allocation-free span API).</summary>
    [Benchmark]
    public int QuerySearchK1000() => _index!.Search(_queries[_next++ & 63], 10, 1000, _ids, _distances);

    /// <summary>One top-10 query at annoy's default searchK (n x trees = 100).</summary>
    [Benchmark]
    public int QueryDefaultSearchK() => _index!.Search(_queries[_next++ & 63], 10, -1, _ids, _distances);

    /// <summary>Releases the index.</summary>
    [GlobalCleanup]
    public void Dispose()
    {
        _index?.Dispose();
        GC.SuppressFinalize(this);
    }
}
