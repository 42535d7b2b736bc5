using FaceIndex.Search.Hnsw;
using FaceIndex.Tests.Catalog;

namespace FaceIndex.Tests.Search;

/// <summary>The USearch binding itself: round trip through a file, the read-only view, and errors that name the problem.</summary>
public sealed class HnswIndexTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void A_saved_index_opened_as_a_view_or_loaded_answers_as_the_built_one(bool halfPrecision)
    {
        var rng = new Random(1);
        var vectors = Enumerable.Range(0, 500).Select(_ => Enumerable.Range(0, 32).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        var path = Path.Combine(_temp.Root, "x.hnsw");
        ulong[] builtKeys = new ulong[5];
        float[] builtDistances = new float[5];
        using (var index = HnswIndex.Create(32, new HnswParameters(HalfPrecision: halfPrecision), threads: 2))
        {
            index.Reserve(vectors.Length);
            Parallel.For(0, vectors.Length, i => index.Add((ulong)(1000 + i), vectors[i]));
            Assert.Equal(vectors.Length, index.Count);
            index.ExpansionSearch = 200;
            Assert.Equal(5, index.Search(vectors[17], builtKeys, builtDistances));
            index.Save(path);
        }

        Assert.Equal(1017UL, builtKeys[0]);
        Assert.Equal(0f, builtDistances[0]);
        foreach (var view in new[] { true, false })
        {
            using var opened = HnswIndex.Open(path, view);
            opened.ExpansionSearch = 200;
            var keys = new ulong[5];
            var distances = new float[5];

            Assert.Equal(vectors.Length, opened.Count);
            Assert.Equal(32, opened.Dimensions);
            Assert.Equal(view, opened.IsView);
            Assert.Equal(5, opened.Search(vectors[17], keys, distances));
            Assert.Equal(builtKeys, keys);
            Assert.Equal(builtDistances, distances);
        }

        using var readOnly = HnswIndex.Open(path, view: true);
        Assert.Throws<InvalidOperationException>(() => readOnly.Add(1, vectors[0]));
    }

    [Fact]
    public void A_vector_of_the_wrong_length_is_refused_before_native_code()
    {
        using var index = HnswIndex.Create(16, new HnswParameters(), threads: 1);

        var e = Assert.Throws<ArgumentException>(() => index.Add(1, new float[15]));
        Assert.Contains("16-dimensional", e.Message, StringComparison.Ordinal);
        Assert.Throws<ArgumentException>(() => index.Search(new float[17], new ulong[1], new float[1]));
    }

    [Fact]
    public void A_file_that_is_not_an_index_is_an_HnswException_naming_it()
    {
        var path = Path.Combine(_temp.Root, "not-an-index.hnsw");
        File.WriteAllBytes(path, [.. Enumerable.Range(0, 4096).Select(i => (byte)(i * 7))]);

        var e = Assert.Throws<HnswException>(() => HnswIndex.Open(path));
        Assert.Contains("not-an-index.hnsw", e.Message, StringComparison.Ordinal);
        Assert.Throws<FileNotFoundException>(() => HnswIndex.Open(Path.Combine(_temp.Root, "missing.hnsw")));
    }

    [Fact]
    public void One_build_thread_gives_the_same_file_every_time()
    {
        var rng = new Random(2);
        var vectors = Enumerable.Range(0, 2000).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();

        byte[] Build(string name)
        {
            var path = Path.Combine(_temp.Root, name);
            using var index = HnswIndex.Create(16, new HnswParameters(), threads: 1);
            index.Reserve(vectors.Length);
            for (var i = 0; i < vectors.Length; i++)
            {
                index.Add((ulong)i, vectors[i]);
            }

            index.Save(path);
            return File.ReadAllBytes(path);
        }

        Assert.Equal(Build("a.hnsw"), Build("b.hnsw"));
    }

    [Fact]
    public void More_concurrent_calls_than_contexts_wait_their_turn_instead_of_failing()
    {
        // USearch with no free context would index past its context array; the binding makes the extra calls wait.
        var rng = new Random(3);
        var vectors = Enumerable.Range(0, 3000).Select(_ => Enumerable.Range(0, 16).Select(_ => (float)rng.NextDouble()).ToArray()).ToArray();
        using var index = HnswIndex.Create(16, new HnswParameters(), threads: 1);
        index.Reserve(vectors.Length);
        var many = new ParallelOptions { MaxDegreeOfParallelism = 8 };

        Parallel.For(0, vectors.Length, many, i => index.Add((ulong)i, vectors[i]));
        var firsts = new ulong[vectors.Length];
        Parallel.For(0, vectors.Length, many, i =>
        {
            var keys = new ulong[1];
            index.Search(vectors[i], keys, new float[1]);
            firsts[i] = keys[0];
        });

        Assert.Equal(vectors.Length, index.Count);
        Assert.True(firsts.Select((key, i) => key == (ulong)i).Count(x => x) >= vectors.Length * 99 / 100, "each vector finds itself");
    }
}
