using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Benchmarks;
using FaceIndex.Detection;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex bench DIR</c>: speed of each stage and of the whole pipeline, with sweeps.</summary>
internal static class BenchCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "A folder of face photos (e.g. LFW); the first --images of them, sorted by path." };
        var images = new Option<int>("--images") { Description = "How many images.", DefaultValueFactory = _ => 100 };
        var repeats = new Option<int>("--repeats") { Description = "Timed repetitions of each measurement.", DefaultValueFactory = _ => 3 };
        var threads = new Option<int>("--max-threads") { Description = "Sweep threads 1..N (0: all cores).", DefaultValueFactory = _ => 0 };
        var indexItems = new Option<int>("--index-items") { Description = "Items in the Annoy index used for the query timing.", DefaultValueFactory = _ => 100_000 };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.md, results.json and PNG plots into this folder." };
        var detector = CliOptions.Detector();
        var json = CliOptions.Json();
        var command = new Command("bench", "Benchmark alignment and embedding: per-stage latency (median, p95), throughput sweeps over threads, batch sizes and upsample.")
        {
            dir, images, repeats, threads, indexItems, report, detector, json, BenchModels.Models, BenchModels.Library,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(BenchModels.Models) is not null)
            {
                return BenchModels.Run(parse, parse.GetValue(dir)!.FullName, parse.GetValue(images), parse.GetValue(repeats), parse.GetValue(threads), parse.GetValue(report), parse.GetValue(json));
            }

            var asJson = parse.GetValue(json);
            var result = PipelineBenchmark.Run(
                parse.GetValue(dir)!.FullName,
                new PipelineBenchmarkOptions(MaxImages: parse.GetValue(images), Repeats: parse.GetValue(repeats), MaxThreads: parse.GetValue(threads), IndexItems: parse.GetValue(indexItems), Detector: DetectorKinds.Parse(parse.GetValue(detector)!)),
                asJson ? null : m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
            string? reportPath = parse.GetValue(report) is { } r ? PipelineBenchmark.WriteReport(r.FullName, result) : null;
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
                return Program.Success;
            }

            var stages = new Table().AddColumns("stage (1 thread)", "unit", "median ms", "p95 ms", "per second");
            foreach (var s in result.Stages)
            {
                stages.AddRow(Markup.Escape(s.Stage), s.Unit, F(s.MedianMs), F(s.P95Ms), F(s.PerSecond));
            }

            AnsiConsole.Write(stages);
            var sweeps = new Table().AddColumns("sweep", "threads", "batch", "upsample", "per second", "ms per item");
            foreach (var s in result.Sweeps)
            {
                sweeps.AddRow(s.Sweep, s.Threads.ToString(CultureInfo.InvariantCulture), s.BatchSize.ToString(CultureInfo.InvariantCulture), s.Upsample.ToString(CultureInfo.InvariantCulture), F(s.PerSecond), F(s.MsPerItem));
            }

            AnsiConsole.Write(sweeps);
            if (reportPath is not null)
            {
                AnsiConsole.MarkupLine($"report: {Markup.Escape(reportPath)}");
            }

            return Program.Success;
        });
        return command;
    }

    public static Command CreateQuery()
    {
        var photo = new Argument<FileInfo>("photo") { Description = "The query photo." };
        var repeats = new Option<int>("--repeats") { Description = "Timed photo queries (face-id queries: 10x as many).", DefaultValueFactory = _ => 30 };
        var library = CliOptions.Library();
        var json = CliOptions.Json();
        var command = new Command("bench-query", "Query latency on an indexed library with the models loaded: by photo end to end (median, p95) and by face id (median, p95, p99).")
        {
            photo, repeats, library, json,
        };
        command.SetAction(parse =>
        {
            using var lib = Search.FaceLibrary.Open(parse.GetValue(library)!);
            var result = QueryBenchmark.Run(lib, parse.GetValue(photo)!.FullName, parse.GetValue(repeats));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
                return Program.Success;
            }

            var table = new Table().AddColumns("faces", "indexed", "delta", "index", "photo median ms", "photo p95 ms", "face-id median ms", "face-id p95 ms", "face-id p99 ms");
            table.AddRow(
                result.Faces.ToString(CultureInfo.InvariantCulture), result.IndexedFaces.ToString(CultureInfo.InvariantCulture), result.DeltaFaces.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(result.Index), F(result.PhotoMedianMs), F(result.PhotoP95Ms), F(result.FaceIdMedianMs), F(result.FaceIdP95Ms), F(result.FaceIdP99Ms));
            AnsiConsole.Write(table);
            return Program.Success;
        });
        return command;
    }

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
