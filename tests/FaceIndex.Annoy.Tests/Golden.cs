using System.Text.Json;
using FaceIndex.Annoy;
using FaceIndex.Tests;

namespace FaceIndex.Annoy.Tests;

/// <summary>The annoy 1.17.3 golden set committed under tests/data/annoy-golden (see its README.md).</summary>
internal static class Golden
{
    public const int Dim = 128;
    public const int Items = 1000;
    public const int Queries = 20;

    private static readonly Lazy<JsonDocument> s_json = new(() =>
        JsonDocument.Parse(File.ReadAllText(Path("golden.json"))));

    public static JsonElement Root => s_json.Value.RootElement;

    public static float[][] Vectors { get; } = ReadF32("vectors-1000x128.f32", Items);

    public static float[][] QueryVectors { get; } = ReadF32("queries-20x128.f32", Queries);

    public static string Path(params string[] parts) => TestPaths.DataFile(["annoy-golden", .. parts]);

    public static AnnoyMetric Metric(string name) => name switch
    {
        "angular" => AnnoyMetric.Angular,
        "euclidean" => AnnoyMetric.Euclidean,
        "dot" => AnnoyMetric.Dot,
        _ => throw new ArgumentOutOfRangeException(nameof(name)),
    };

    public static JsonElement Entry(string metric) => Root.GetProperty("indexes").GetProperty(metric);

    public static string IndexFile(string metric) => Path(Entry(metric).GetProperty("file").GetString()!);

    /// <summary>annoy's (ids, distances) for query q at searchK.</summary>
    public static (int[] Ids, double[] Distances) Expected(JsonElement entry, int searchK, int q)
    {
        var r = entry.GetProperty("results").GetProperty(searchK.ToString(System.Globalization.CultureInfo.InvariantCulture))[q];
        return (r.GetProperty("ids").EnumerateArray().Select(e => e.GetInt32()).ToArray(),
            r.GetProperty("distances").EnumerateArray().Select(e => e.GetDouble()).ToArray());
    }

    public static AnnoyIndex BuildIndex(AnnoyMetric metric, int threads = 1, ulong seed = 42, int trees = 10)
    {
        var index = new AnnoyIndex(Dim, metric) { Seed = seed };
        for (var i = 0; i < Items; i++)
        {
            index.AddItem(i, Vectors[i]);
        }

        index.Build(trees, threads);
        return index;
    }

    public static string Sha256(string path) =>
        Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(File.ReadAllBytes(path)));

    /// <summary>Asserts ids equal and distances within 1e-5 for every golden query and searchK.</summary>
    public static void AssertMatchesAnnoy(AnnoyIndex index, JsonElement entry)
    {
        var checkedQueries = 0;
        foreach (var searchK in new[] { -1, 50, 2000 })
        {
            for (var q = 0; q < Queries; q++)
            {
                var (ids, dists) = Expected(entry, searchK, q);
                var got = index.GetNnsByVector(QueryVectors[q], 10, searchK, includeDistances: true);
                Assert.True(ids.SequenceEqual(got.Ids),
                    $"searchK {searchK}, query {q}: annoy [{string.Join(",", ids)}], ours [{string.Join(",", got.Ids)}]");
                for (var i = 0; i < ids.Length; i++)
                {
                    Assert.True(Math.Abs(dists[i] - got.Distances![i]) <= 1e-5,
                        $"searchK {searchK}, query {q}, rank {i}: annoy {dists[i]}, ours {got.Distances![i]}");
                }

                checkedQueries++;
            }
        }

        Assert.Equal(60, checkedQueries);
    }

    private static float[][] ReadF32(string name, int rows)
    {
        var bytes = File.ReadAllBytes(Path(name));
        Assert.Equal(rows * Dim * 4, bytes.Length);
        var all = System.Runtime.InteropServices.MemoryMarshal.Cast<byte, float>(bytes).ToArray();
        return Enumerable.Range(0, rows).Select(r => all.AsSpan(r * Dim, Dim).ToArray()).ToArray();
    }
}
