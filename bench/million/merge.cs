#:project ../../src/FaceIndex.Core/FaceIndex.Core.csproj
#:property TreatWarningsAsErrors=false
#:property ManagePackageVersionsCentrally=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:property PublishAot=false
// Shard-and-merge at scale: writes SHARDS libraries of N synthetic faces each (one dataset, distinct paths,
// as 'index --shard I/SHARDS' would), then times merging them into one library, and merging them again
// (which must add nothing). Seeded. Usage: dotnet run bench/million/merge.cs DIR SHARDS N
using System.Diagnostics;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Indexing;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;

var dir = args[0]; var shards = int.Parse(args[1]); var n = int.Parse(args[2]);
const string Model = "dlib-resnet29-v1/face-api-1.7.15";
var rng = new Random(42);
var box = new FaceBox(70, 70, 180, 180);
var points = Enumerable.Range(0, 68).Select(i => new LandmarkPoint(75 + (i % 17) * 6, 80 + (i / 17) * 25)).ToArray();
var paths = new List<string>[shards];
for (var s = 0; s < shards; s++) paths[s] = [];
for (var i = 0; paths.Min(p => p.Count) < n; i++)
{
    var rel = $"id{i / 10:D7}/img{i:D8}.jpg";
    var part = ShardSpec.PartOf(rel, shards);
    if (paths[part].Count < n) paths[part].Add(rel);
}
var clock = Stopwatch.StartNew();
for (var s = 0; s < shards; s++)
{
    var lib = Path.Combine(dir, $"shard{s + 1}");
    if (File.Exists(Path.Combine(lib, "catalog.db"))) continue;
    using var catalog = FaceCatalog.Open(lib);
    catalog.RegisterDataset(new DatasetInfo("synthetic", "synthetic vectors, no people", Layout: DatasetLayout.IdentityFolders), "/nonexistent");
    var run = catalog.StartRun("synthetic", $$"""{"shard":"{{s + 1}}/{{shards}}"}""");
    var batch = new List<ImageResult>();
    foreach (var rel in paths[s])
    {
        var e = new float[128]; for (var z = 0; z < 128; z++) e[z] = (float)(rng.NextDouble() - 0.5);
        var sha = new byte[32]; rng.NextBytes(sha);
        batch.Add(new ImageResult(rel, sha, 20000, 250, 250, rel[..9], ImageStatus.Ok, null, null,
            [new ImageFace(new FaceRecord(0, box, 1.0, new FaceLandmarks(box, points), e, Model), true)]));
        if (batch.Count == 5000) { catalog.CommitBatch(run, batch); batch.Clear(); }
    }
    if (batch.Count > 0) catalog.CommitBatch(run, batch);
    catalog.FinishRun(run, RunStatus.Completed);
}
Console.WriteLine($"{shards} shards of {n:N0} faces written in {clock.Elapsed.TotalSeconds:F1} s");
var into = Path.Combine(dir, "merged");
if (Directory.Exists(into)) Directory.Delete(into, true);
using (var catalog = FaceCatalog.Open(into))
{
    for (var pass = 1; pass <= 2; pass++)
    {
        clock.Restart();
        var faces = 0;
        for (var s = 0; s < shards; s++) faces += catalog.MergeFrom(Path.Combine(dir, $"shard{s + 1}")).FacesAdded;
        Console.WriteLine($"merge pass {pass}: {faces:N0} faces added in {clock.Elapsed.TotalSeconds:F1} s ({(faces > 0 ? faces / clock.Elapsed.TotalSeconds : 0):N0} faces/s); catalog {catalog.FaceCount():N0} faces");
    }
}
Console.WriteLine($"merged catalog: {new FileInfo(Path.Combine(into, "catalog.db")).Length / (double)(shards * n):F0} B/face");
