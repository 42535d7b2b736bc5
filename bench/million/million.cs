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
if (FaceSearchIndex.ReadMeta(lib) is null)
{
    using var catalog = FaceCatalog.Open(lib);
    clock.Restart();
    var meta = FaceSearchIndex.Build(catalog, Model, new SearchIndexOptions(Trees: trees), Console.WriteLine);
    Console.WriteLine($"index: {meta.AnnBytes / (double)n:F0} B/face, build+tune {clock.Elapsed.TotalSeconds:F1} s");
}
{
    var queries = Enumerable.Range(0, 1000).Select(_ => Sample(centres[rng.Next(identities)])).ToArray();
    // Ground truth first, then drop the 1M generated vectors so the timed part runs with the index's memory only.
    var truths = queries.Take(200).Select(q => Enumerable.Range(0, n).Select(i => (i, d: TensorPrimitives.Distance(q, all[i]))).OrderBy(x => x.d).Take(10).Select(x => (long)x.i + 1).ToHashSet()).ToArray();
    all = null!;
    GC.Collect(2, GCCollectionMode.Forced, true, true);
    using var catalog = FaceCatalog.Open(lib, new CatalogOpenOptions(ReadOnly: true));
    using var index = FaceSearchIndex.Open(catalog, Model);
    foreach (var q in queries.Take(50)) index.Search(q, 10);
    foreach (var k in new[] { index.Meta!.SearchK, 9600, 12800 })
    {
        for (var pass = 0; pass < 3; pass++)
        {
            var t2 = new List<double>();
            foreach (var q in queries) { var t = Stopwatch.GetTimestamp(); index.Search(q, 10, k); t2.Add(Stopwatch.GetElapsedTime(t).TotalMilliseconds); }
            t2.Sort();
            var h2 = 0; for (var i = 0; i < 200; i++) h2 += index.Search(queries[i], 10, k).Count(h => truths[i].Contains(h.FaceId));
            Console.WriteLine($"trees {index.Meta.Trees} searchK {k} pass {pass}: p50 {t2[500]:F3} p95 {t2[950]:F3} p99 {t2[990]:F3} ms recall@10 {h2 / 2000.0:F4} (1000 fresh queries; recall on 200)");
        }
    }
}
var files = Directory.GetFiles(lib).Sum(f => new FileInfo(f).Length);
Console.WriteLine($"library on disk: {files / (double)n:F0} B/face");
