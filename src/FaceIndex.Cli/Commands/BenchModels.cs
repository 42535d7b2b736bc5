using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Benchmarks;
using FaceIndex.Embedding.Onnx;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>bench DIR --model a,b</c>: chips/s per model at batch 1/8/32 and threads 1..cores, and each aligner's time.</summary>
internal static class BenchModels
{
    public static readonly Option<string?> Models = new("--model") { Description = "Benchmark these recognition models side by side (comma-separated) instead of the pipeline." };

    public static readonly Option<string> Library = CliOptions.Library();

    public static int Run(ParseResult parse, string dir, int images, int repeats, int maxThreads, DirectoryInfo? report, bool json)
    {
        var registry = ModelRegistry.Open(Path.GetFullPath(parse.GetValue(Library)!));
        var models = parse.GetValue(Models)!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(registry.Resolve).ToList();
        var result = ModelBenchmark.Run(dir, models, new ModelBenchmarkOptions(Math.Min(images, 50), repeats, maxThreads), json ? null : m => AnsiConsole.MarkupLine($"[grey]{Markup.Escape(m)}[/]"));
        var path = report is null ? null : ModelBenchmark.WriteReport(report.FullName, result);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            return Program.Success;
        }

        var table = new Table().AddColumns("model", "threads", "batch", "chips/s", "ms per chip");
        foreach (var s in result.Models)
        {
            table.AddRow(Markup.Escape(s.Model), I(s.Threads), I(s.BatchSize), s.ChipsPerSecond.ToString("F1", CultureInfo.InvariantCulture), s.MsPerChip.ToString("F2", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(table);
        var align = new Table().AddColumns("alignment (1 thread)", "faces", "median ms", "p95 ms");
        foreach (var a in result.Aligners)
        {
            align.AddRow(a.Alignment, I(a.Faces), a.MedianMs.ToString("F3", CultureInfo.InvariantCulture), a.P95Ms.ToString("F3", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(align);
        if (path is not null)
        {
            AnsiConsole.MarkupLine($"report: {Markup.Escape(path)}");
        }

        return Program.Success;
    }

    private static string I(int value) => value.ToString(CultureInfo.InvariantCulture);
}
