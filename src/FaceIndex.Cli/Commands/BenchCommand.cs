using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Benchmarks;
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
        var json = CliOptions.Json();
        var command = new Command("bench", "Benchmark alignment and embedding: per-stage latency (median, p95), throughput sweeps over threads, batch sizes and upsample.")
        {
            dir, images, repeats, threads, indexItems, report, json,
        };
        command.SetAction(parse =>
        {
            var asJson = parse.GetValue(json);
            var result = PipelineBenchmark.Run(
                parse.GetValue(dir)!.FullName,
                new PipelineBenchmarkOptions(MaxImages: parse.GetValue(images), Repeats: parse.GetValue(repeats), MaxThreads: parse.GetValue(threads), IndexItems: parse.GetValue(indexItems)),
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

    private static string F(double value) => value.ToString("F2", CultureInfo.InvariantCulture);
}
