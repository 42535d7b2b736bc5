#:project ../../src/FaceIndex.Core/FaceIndex.Core.csproj
#:property TreatWarningsAsErrors=false
#:property ManagePackageVersionsCentrally=false
#:property PublishAot=false
using System.Diagnostics;
using System.Numerics.Tensors;
using FaceIndex.Catalog;
using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Landmarks;
using FaceIndex.Pipeline;
using Npgsql;

// dotnet run bench/postgres/pgmillion.cs postgresql://user@host:port/db N [BATCH]
// Writes N synthetic faces (bench/million's face-like vectors, seed 42) into a PostgreSQL library through the
// workers' own protocol: register N images, claim BATCH at a time, commit each batch with its faces. Prints the
// catalog's commit rate and bytes per face; then time 'faceindex index build --library URL --out DIR'.
var library = PgLibrary.Parse(args[0]); var n = int.Parse(args[1]); var batchSize = args.Length > 2 ? int.Parse(args[2]) : 64;
const string Model = "dlib-resnet29-v1/face-api-1.7.15";
const int Dim = 128;
var rng = new Random(42);
var noise = 0.35f / MathF.Sqrt(Dim);
float Normal() { var u1 = 1 - rng.NextDouble(); var u2 = rng.NextDouble(); return (float)(Math.Sqrt(-2 * Math.Log(u1)) * Math.Cos(2 * Math.PI * u2)); }
var centres = new float[Math.Max(1, n / 10)][];
for (var c = 0; c < centres.Length; c++) { var v = new float[Dim]; for (var z = 0; z < Dim; z++) v[z] = Normal(); TensorPrimitives.Divide(v, TensorPrimitives.Norm(v), v); centres[c] = v; }
var box = new FaceBox(70, 70, 180, 180);
var points = Enumerable.Range(0, 68).Select(i => new LandmarkPoint(75 + (i % 17) * 6, 80 + (i / 17) * 25)).ToArray();
using var pg = PgCatalog.Open(library);
var images = Enumerable.Range(0, n).Select(i => new DatasetImage($"id{i / 10:D6}/img{i:D7}.jpg", $"id{i / 10:D6}")).ToList();
var clock = Stopwatch.StartNew();
var d = pg.RegisterDataset(new DatasetInfo("synthetic", "synthetic vectors, no people", Layout: DatasetLayout.IdentityFolders), "/nonexistent", new DatasetFingerprint(n, "synthetic"), images);
Console.WriteLine($"registered {n:N0} images in {clock.Elapsed.TotalSeconds:F1} s");
var run = pg.StartRun(d, null, null);
clock.Restart();
long commits = 0, faces = 0;
var commitTime = TimeSpan.Zero;
while (true)
{
    var claimed = pg.Claim(d, run, batchSize);
    if (claimed.Count == 0) break;
    var batch = claimed.Select(c =>
    {
        var i = int.Parse(c.RelPath.AsSpan(c.RelPath.IndexOf("img", StringComparison.Ordinal) + 3, 7));
        var e = new float[Dim]; for (var z = 0; z < Dim; z++) e[z] = centres[i / 10][z] + noise * Normal();
        var sha = new byte[32]; rng.NextBytes(sha);
        return (c.Id, new ImageResult(c.RelPath, sha, 20000, 250, 250, c.Identity, ImageStatus.Ok, null, null,
            [new ImageFace(new FaceRecord(0, box, 1.0, new FaceLandmarks(box, points), e, Model), true)]));
    }).ToList();
    var t = Stopwatch.StartNew();
    var s = pg.CommitClaimed(run, d, batch);
    commitTime += t.Elapsed;
    commits++; faces += s.Faces;
}
pg.FinishRun(run, RunStatus.Completed);
using var c2 = new NpgsqlConnection(library.ConnectionString); c2.Open();
long Size(string sql) { using var cmd = new NpgsqlCommand(sql, c2); return Convert.ToInt64(cmd.ExecuteScalar()); }
var dbBytes = Size("SELECT pg_database_size(current_database())");
var faceBytes = Size("SELECT pg_total_relation_size('faces')");
var imageBytes = Size("SELECT pg_total_relation_size('images')");
Console.WriteLine($"{faces:N0} faces in {commits:N0} commits of {batchSize} in {clock.Elapsed.TotalSeconds:F1} s ({faces / clock.Elapsed.TotalSeconds:F0} faces/s end to end, {commits / commitTime.TotalSeconds:F1} commits/s and {faces / commitTime.TotalSeconds:F0} faces/s inside commits)");
Console.WriteLine($"database {dbBytes / (double)faces:F0} B/face (faces table {faceBytes / (double)faces:F0} B/face, images {imageBytes / (double)faces:F0} B/image)");
