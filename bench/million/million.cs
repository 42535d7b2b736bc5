#:project ../../src/FaceIndex.Core/FaceIndex.Core.csproj
#:property TreatWarningsAsErrors=false
#:property ManagePackageVersionsCentrally=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:property PublishAot=false
using System.Diagnostics;
using System.Numerics.Tensors;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;
using FaceIndex.Search;

var lib = args[0]; var n = int.Parse(args[1]); var trees = int.Parse(args[2]);
var kind = args.Length > 3 ? Enum.Parse<AnnKind>(args[3], ignoreCase: true) : AnnKind.Auto;
const string Model = "dlib-resnet29-v1/face-api-1.7.15";
const int Dim = 128;
var rng = new Random(42);
var noise = 0.35f / MathF.Sqrt(Dim);
float Normal() { var u1 = 1 - rng.NextDouble(); var u2 = rng.NextDouble(); return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)); }
var identities = n / 10;
var centres = new float[identities][];
for (var c = 0; c < identities; c++) { var v = new float[Dim]; for (var z = 0; z < Dim; z++) v[z] = Normal(); var norm = TensorPrimitives.Norm(v); TensorPrimitives.Divide(v, norm, v); centres[c] = v; }
float[] Sample(float[] centre) { var v = new float[Dim]; for (var z = 0; z < Dim; z++) v[z] = centre[z] + noise * Normal(); return v; }
var box = new FaceBox(70, 70, 180, 180);
var points = Enumerable.Range(0, 68).Select(i => new LandmarkPoint(75 + (i % 17) * 6, 80 + (i / 17) * 25)).ToArray();
var clock = Stopwatch.StartNew();
var all = new float[n][];
if (!File.Exists(Path.Combine(lib, "catalog.db")))
{
    Directory.CreateDirectory(lib);
    using var catalog = FaceCatalog.Open(lib);
    catalog.RegisterDataset(new DatasetInfo("synthetic", "synthetic vectors, no people", Layout: DatasetLayout.Flat), "/nonexistent");
    var run = catalog.StartRun("synthetic");
    var batch = new List<ImageResult>();
    for (var i = 0; i < n; i++)
    {
        var e = Sample(centres[i / 10]); all[i] = e;
        var sha = new byte[32]; rng.NextBytes(sha);
        batch.Add(new ImageResult($"id{i / 10:D6}/img{i:D7}.jpg", sha, 20000, 250, 250, $"id{i / 10:D6}", ImageStatus.Ok, null, null,
            [new ImageFace(new FaceRecord(0, box, 1.0, new FaceLandmarks(box, points), e, Model), true)]));
        if (batch.Count == 5000) { catalog.CommitBatch(run, batch); batch.Clear(); }
    }
    if (batch.Count > 0) catalog.CommitBatch(run, batch);
    catalog.FinishRun(run, RunStatus.Completed);
    Console.WriteLine($"catalog: {n:N0} faces in {clock.Elapsed.TotalSeconds:F1} s, {new FileInfo(Path.Combine(lib, "catalog.db")).Length / (double)n:F0} B/face");
}
else
{
    for (var i = 0; i < n; i++) { all[i] = Sample(centres[i / 10]); rng.NextBytes(new byte[32]); }
}
var options = new SearchIndexOptions(Trees: trees, Kind: kind);
if (FaceSearchIndex.ReadMeta(lib) is not { FormatVersion: 2 } old || old.IsHnsw != (options.KindFor(n) == AnnKind.Hnsw))
{
    using var catalog = FaceCatalog.Open(lib);
    clock.Restart();
    var meta = FaceSearchIndex.Build(catalog, Model, options, Console.WriteLine);
    Console.WriteLine($"index: {meta.IndexBytes / (double)n:F0} B/face, build+tune {clock.Elapsed.TotalSeconds:F1} s");
}
{
    var queries = Enumerable.Range(0, 1000).Select(_ => Sample(centres[rng.Next(identities)])).ToArray();
    // Ground truth first, then drop the 1M generated vectors so the timed part runs with the index's memory only.
    HashSet<long> Top(float[] q, int skip) { var best = new PriorityQueue<int, float>(Comparer<float>.Create((a, b) => b.CompareTo(a))); for (var i = 0; i < n; i++) { if (i == skip) continue; var d = TensorPrimitives.Distance(q, all[i]); if (best.Count < 10) best.Enqueue(i, d); else if (best.TryPeek(out _, out var w) && d < w) best.DequeueEnqueue(i, d); } return best.UnorderedItems.Select(x => (long)x.Element + 1).ToHashSet(); }
    var truths = new HashSet<long>[200];
    Parallel.For(0, 200, i => truths[i] = Top(queries[i], -1));
    // Indexed faces as queries, as the build's tuning does: with themselves in the answer, and left out of it.
    var probeRng = new Random(7);
    var probes = Enumerable.Range(0, 200).Select(_ => probeRng.Next(n)).ToArray();
    var probeVectors = probes.Select(p => all[p]).ToArray();
    var selfTruths = new HashSet<long>[200];
    var looTruths = new HashSet<long>[200];
    Parallel.For(0, 200, i => { selfTruths[i] = Top(all[probes[i]], -1); looTruths[i] = Top(all[probes[i]], probes[i]); });
    all = null!;
    GC.Collect(2, GCCollectionMode.Forced, true, true);
    using var catalog = FaceCatalog.Open(lib, new CatalogOpenOptions(ReadOnly: true));
    using var index = FaceSearchIndex.Open(catalog, Model);
    foreach (var q in queries.Take(50)) index.Search(q, 10);
    var tuned = index.Meta!.Effort;
    Console.WriteLine($"index: {index.Meta.Describe()}, tuned recall@10 {index.Meta.RecallAt10} (on {index.Meta.RecallQueries} indexed faces; {index.Meta.Tuning}), process working set {Environment.WorkingSet / 1048576.0:F0} MiB");
    var efforts = args.Length > 4 ? args[4].Split(',').Select(int.Parse).ToArray() : index.Meta.IsHnsw ? [tuned, tuned * 2, tuned * 4] : [tuned, 9600, 12800];
    foreach (var k in efforts)
    {
        var selfHits = 0; var looHits = 0; var notSelfHits = 0; var notSelfTotal = 0;
        for (var i = 0; i < 200; i++)
        {
            selfHits += index.Search(probeVectors[i], 10, k).Count(h => selfTruths[i].Contains(h.FaceId));
            looHits += index.Search(probeVectors[i], 11, k).Where(h => h.FaceId != probes[i] + 1).Take(10).Count(h => looTruths[i].Contains(h.FaceId));
            notSelfHits += index.Search(probeVectors[i], 10, k).Count(h => h.FaceId != probes[i] + 1 && selfTruths[i].Contains(h.FaceId)); notSelfTotal += selfTruths[i].Count(id => id != probes[i] + 1);
        }
        for (var pass = 0; pass < 3; pass++)
        {
            var t2 = new List<double>();
            foreach (var q in queries) { var t = Stopwatch.GetTimestamp(); index.Search(q, 10, k); t2.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds); }
            t2.Sort();
            var h2 = 0; for (var i = 0; i < 200; i++) h2 += index.Search(queries[i], 10, k).Count(h => truths[i].Contains(h.FaceId));
            Console.WriteLine($"{(index.Meta.IsHnsw ? "ef" : "searchK")} {k} pass {pass}: p50 {t2[500]:F3} p95 {t2[950]:F3} p99 {t2[990]:F3} ms; recall@10 fresh {h2 / 2000.0:F4}, indexed: self counted {selfHits / 2000.0:F4}, self not counted (the build's tuning) {notSelfHits / (double)notSelfTotal:F4}, self left out (11th found) {looHits / 2000.0:F4}");
        }
    }
}
var files = Directory.GetFiles(lib).Sum(f => new FileInfo(f).Length);
Console.WriteLine($"library on disk: {files / (double)n:F0} B/face");
