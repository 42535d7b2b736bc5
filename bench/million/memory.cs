#:project ../../src/FaceIndex.Core/FaceIndex.Core.csproj
#:property TreatWarningsAsErrors=false
#:property ManagePackageVersionsCentrally=false
#:property JsonSerializerIsReflectionEnabledByDefault=true
#:property PublishAot=false
// What a query process holds: opens a built library read-only, runs 2,000 seeded searches, and prints its
// resident memory split into anonymous (heap) and file-backed (the memory-mapped index) pages.
// Usage: dotnet run bench/million/memory.cs LIBRARY
using System.Diagnostics;
using FaceIndex.Catalog;
using FaceIndex.Search;

const string Model = "dlib-resnet29-v1/face-api-1.7.15";
static string Status() => string.Join(", ", File.ReadAllLines("/proc/self/status").Where(l => l.StartsWith("VmRSS") || l.StartsWith("RssAnon") || l.StartsWith("RssFile")).Select(l => string.Join(' ', l.Split((char[])[' ', '\t'], StringSplitOptions.RemoveEmptyEntries))));
Console.WriteLine($"before opening: {Status()}");
using var catalog = FaceCatalog.Open(args[0], new CatalogOpenOptions(ReadOnly: true));
using var index = FaceSearchIndex.Open(catalog, Model);
Console.WriteLine($"opened {index.Meta!.Describe()} over {index.IndexedCount:N0} faces: {Status()}");
var rng = new Random(1);
var clock = Stopwatch.StartNew();
for (var i = 0; i < 2000; i++)
{
    var q = new float[128];
    for (var z = 0; z < q.Length; z++) q[z] = (float)(rng.NextDouble() * 0.2 - 0.1);
    index.Search(q, 10);
}
Console.WriteLine($"after 2,000 searches ({clock.Elapsed.TotalMilliseconds / 2000:F2} ms each): {Status()}, managed heap {GC.GetTotalMemory(false) / 1048576.0:F0} MiB");
