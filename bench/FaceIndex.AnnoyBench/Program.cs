using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using FaceIndex.Annoy;

namespace FaceIndex.AnnoyBench;

/// <summary>
/// Recall and speed of FaceIndex.Annoy against its exact index, and side by side with spotify/annoy (see bench/annoy-vs-spotify).
/// <c>dotnet run -c Release --project bench/FaceIndex.AnnoyBench -- run --n 100000 --out out/</c>;
/// <c>... -- compare --out out/</c> after annoy.R has written annoy-r.json there.
/// </summary>
internal static class Program
{
    private static readonly JsonSerializerOptions s_json = new() { WriteIndented = true, PropertyNamingPolicy = JsonNamingPolicy.CamelCase };

    public static int Main(string[] args)
    {
        if (args.Length == 0 || args[0] is not ("run" or "compare" or "build"))
        {
            Console.Error.WriteLine("usage: run [--n 1000000] [--dim 128] [--trees 10] [--seed 42] [--data face|uniform] [--metric angular]");
            Console.Error.WriteLine("           [--queries 1000] [--search-k -1,200,...] [--repeats 3] [--threads 0] --out DIR");
            Console.Error.WriteLine("       compare --out DIR   (after bench/annoy-vs-spotify/annoy.R wrote DIR/annoy-r.json)");
            Console.Error.WriteLine("       build [--n 100000] [--threads 1] [--repeats 5]   (build time only: min and median)");
            return 2;
        }

        var opts = new Dictionary<string, string>(StringComparer.Ordinal);
        for (var i = 1; i + 1 < args.Length; i += 2)
        {
            opts[args[i].TrimStart('-')] = args[i + 1];
        }

        string Opt(string key, string fallback) => opts.TryGetValue(key, out var v) ? v : fallback;
        var outDir = Path.GetFullPath(Opt("out", "annoy-bench-out"));
        Directory.CreateDirectory(outDir);
        return args[0] switch
        {
            "run" => Run(Opt, outDir),
            "build" => BuildOnly(Opt),
            _ => Compare(outDir),
        };
    }

    private static int Run(Func<string, string, string> opt, string outDir)
    {
        var inv = CultureInfo.InvariantCulture;
        var settings = new Settings(
            Data: opt("data", "face"),
            Metric: opt("metric", "angular"),
            N: int.Parse(opt("n", "1000000"), inv),
            Dim: int.Parse(opt("dim", "128"), inv),
            Trees: int.Parse(opt("trees", "10"), inv),
            Seed: int.Parse(opt("seed", "42"), inv),
            Queries: int.Parse(opt("queries", "1000"), inv),
            Repeats: int.Parse(opt("repeats", "3"), inv));
        var metric = Enum.Parse<AnnoyMetric>(settings.Metric, ignoreCase: true);
        var threads = int.Parse(opt("threads", "0"), inv) is var t && t > 0 ? t : Environment.ProcessorCount;
        var searchKs = opt("search-k", "-1,200,500,1000,2000,5000,10000,20000").Split(',').Select(s => int.Parse(s, inv)).ToArray();
        var machine = DescribeMachine();
        Console.WriteLine($"{machine.Cpu}, {machine.Cores} cores, {machine.Runtime}; {settings}");

        var sw = Stopwatch.StartNew();
        var (items, queries) = BenchData.Generate(settings.Data, settings.N, settings.Dim, settings.Queries, settings.Seed);
        BenchData.WriteF32(Path.Combine(outDir, "vectors.f32"), items);
        BenchData.WriteF32(Path.Combine(outDir, "queries.f32"), queries);
        Console.WriteLine($"data: {sw.Elapsed.TotalSeconds:F1} s");

        sw.Restart();
        int[][] truth;
        using (var exact = new ExactIndex(settings.Dim, metric))
        {
            for (var i = 0; i < items.Length; i++)
            {
                exact.AddItem(i, items[i]);
            }

            truth = [.. exact.GetNnsByVectors(queries, 10).Select(r => r.Ids.ToArray())];
        }

        BenchData.WriteI32(Path.Combine(outDir, "truth.i32"), truth, 10);
        Console.WriteLine($"exact ground truth: {sw.Elapsed.TotalSeconds:F1} s");
        GC.Collect();

        var builds = new List<BuildResult>();
        foreach (var th in threads == 1 ? [1] : new[] { 1, threads })
        {
            using var index = new AnnoyIndex(settings.Dim, metric) { Seed = (ulong)settings.Seed };
            for (var i = 0; i < items.Length; i++)
            {
                index.AddItem(i, items[i]);
            }

            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            sw.Restart();
            index.Build(settings.Trees, th);
            var seconds = sw.Elapsed.TotalSeconds;
            var cpuSeconds = (Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds;
            var path = Path.Combine(outDir, $"ours-t{th}.ann");
            index.Save(path);
            builds.Add(new BuildResult(th, seconds, cpuSeconds, Sha256(path)));
            Console.WriteLine($"build, {th} thread(s): {seconds:F2} s wall, {cpuSeconds:F2} s CPU");
        }

        items = [];
        GC.Collect();
        var indexPath = Path.Combine(outDir, "ours-t1.ann");
        using var loaded = AnnoyIndex.Open(indexPath, settings.Dim, metric);
        var search = new List<SearchResult>();
        var ids = new int[10];
        foreach (var k in searchKs)
        {
            var found = new int[queries.Length][];
            for (var w = 0; w < Math.Min(200, queries.Length); w++)
            {
                loaded.Search(queries[w], 10, k, ids, default); // warm the JIT and the mapped pages
            }

            var times = new List<double>();
            var cpuTimes = new List<double>();
            for (var r = 0; r < settings.Repeats; r++)
            {
                var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
                sw.Restart();
                for (var q = 0; q < queries.Length; q++)
                {
                    var count = loaded.Search(queries[q], 10, k, ids, default);
                    if (r == 0)
                    {
                        found[q] = ids[..count];
                    }
                }

                times.Add(sw.Elapsed.TotalSeconds);
                cpuTimes.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
            }

            times.Sort();
            cpuTimes.Sort();
            var median = times[times.Count / 2];
            var cpuMedian = cpuTimes[cpuTimes.Count / 2];
            var recall = found.Select((f, q) => f.Intersect(truth[q]).Count()).Sum() / (10.0 * queries.Length);
            BenchData.WriteI32(Path.Combine(outDir, $"ours-ids-k{k}.i32"), found, 10);
            search.Add(new SearchResult(k, queries.Length / median, queries.Length / cpuMedian, recall));
            Console.WriteLine($"searchK {k,6}: {queries.Length / median,9:F0} q/s wall, {queries.Length / cpuMedian,9:F0} q/s CPU, recall@10 {recall:F4}");
        }

        var report = new BenchReport("FaceIndex.Annoy", machine, settings, builds, new FileInfo(indexPath).Length,
            Process.GetCurrentProcess().PeakWorkingSet64 / 1048576.0, search);
        File.WriteAllText(Path.Combine(outDir, "ours.json"), JsonSerializer.Serialize(report, s_json));
        File.WriteAllText(Path.Combine(outDir, "ours.md"), Markdown([report], null));
        Plot(Path.Combine(outDir, "ours.png"), [report], settings);
        Console.WriteLine(Markdown([report], null));
        return 0;
    }

    private static int BuildOnly(Func<string, string, string> opt)
    {
        var inv = CultureInfo.InvariantCulture;
        var n = int.Parse(opt("n", "100000"), inv);
        var dim = int.Parse(opt("dim", "128"), inv);
        var threads = int.Parse(opt("threads", "1"), inv);
        var repeats = int.Parse(opt("repeats", "5"), inv);
        var metric = Enum.Parse<AnnoyMetric>(opt("metric", "angular"), ignoreCase: true);
        var (items, _) = BenchData.Generate(opt("data", "face"), n, dim, 0, int.Parse(opt("seed", "42"), inv));
        var wall = new List<double>();
        var cpu = new List<double>();
        for (var r = 0; r < repeats; r++)
        {
            using var index = new AnnoyIndex(dim, metric) { Seed = 42 };
            for (var i = 0; i < n; i++)
            {
                index.AddItem(i, items[i]);
            }

            var cpu0 = Process.GetCurrentProcess().TotalProcessorTime;
            var sw = Stopwatch.StartNew();
            index.Build(int.Parse(opt("trees", "10"), inv), threads);
            wall.Add(sw.Elapsed.TotalSeconds);
            cpu.Add((Process.GetCurrentProcess().TotalProcessorTime - cpu0).TotalSeconds);
        }

        wall.Sort();
        cpu.Sort();
        Console.WriteLine($"build {n} x {dim}, {threads} thread(s): wall min {wall[0]:F3} s median {wall[repeats / 2]:F3} s; CPU min {cpu[0]:F3} s median {cpu[repeats / 2]:F3} s");
        return 0;
    }

    private static int Compare(string outDir)
    {
        var ours = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(Path.Combine(outDir, "ours.json")), s_json)!;
        var annoyPath = Path.Combine(outDir, "annoy-r.json");
        if (!File.Exists(annoyPath))
        {
            Console.Error.WriteLine($"{annoyPath} is missing: run bench/annoy-vs-spotify/annoy.R {outDir} first.");
            return 1;
        }

        var annoy = JsonSerializer.Deserialize<BenchReport>(File.ReadAllText(annoyPath), s_json)! with { Machine = ours.Machine, Settings = ours.Settings };
        var md = Markdown([ours, annoy], (ours, annoy));
        File.WriteAllText(Path.Combine(outDir, "comparison.md"), md);
        File.WriteAllText(Path.Combine(outDir, "comparison.json"), JsonSerializer.Serialize(new[] { ours, annoy }, s_json));
        Plot(Path.Combine(outDir, "comparison.png"), [ours, annoy], ours.Settings!);
        Console.WriteLine(md);
        return 0;
    }

    private static string Markdown(IReadOnlyList<BenchReport> reports, (BenchReport Ours, BenchReport Annoy)? pair)
    {
        var inv = CultureInfo.InvariantCulture;
        var s = reports[0].Settings!;
        var m = reports[0].Machine!;
        var sb = new StringBuilder();
        sb.AppendLine(inv, $"# Annoy benchmark: {s.N:N0} x {s.Dim} {s.Data} vectors, {s.Metric}, {s.Trees} trees, seed {s.Seed}");
        sb.AppendLine();
        sb.AppendLine(inv, $"Machine: {m.Cpu}, {m.Cores} cores, {m.Os}, {m.Runtime} (AVX2 {m.Avx2}, AVX-512 {m.Avx512}).");
        sb.AppendLine(inv, $"Queries: {s.Queries}, top 10, single-threaded, median of {s.Repeats} passes; recall@10 against the exact index.");
        sb.AppendLine();
        sb.AppendLine("| implementation | build threads | build s (wall) | build s (CPU) | index MB | peak RSS MB | sha256 (first 16) |");
        sb.AppendLine("|---|---:|---:|---:|---:|---:|---|");
        foreach (var r in reports)
        {
            foreach (var b in r.Builds)
            {
                sb.AppendLine(inv, $"| {r.Implementation} | {b.Threads} | {b.Seconds:F2} | {b.CpuSeconds:F2} | {r.IndexBytes / 1048576.0:F1} | {r.PeakRssMb:F0} | {b.Sha256[..Math.Min(16, b.Sha256.Length)]} |");
            }
        }

        sb.AppendLine();
        sb.AppendLine("| implementation | searchK | queries/s (wall) | queries/s (CPU time) | recall@10 |");
        sb.AppendLine("|---|---:|---:|---:|---:|");
        foreach (var r in reports)
        {
            foreach (var q in r.Search)
            {
                sb.AppendLine(inv, $"| {r.Implementation} | {q.SearchK} | {q.QueriesPerSecond:F0} | {q.CpuQueriesPerSecond:F0} | {q.Recall:F4} |");
            }
        }

        if (pair is var (ours, annoy))
        {
            sb.AppendLine();
            sb.AppendLine("| searchK | ours q/s (CPU) | annoy q/s (CPU) | ratio | ours q/s (wall) | annoy q/s (wall) | ratio | ours recall | annoy recall |");
            sb.AppendLine("|---:|---:|---:|---:|---:|---:|---:|---:|---:|");
            foreach (var q in ours.Search)
            {
                var a = annoy.Search.FirstOrDefault(x => x.SearchK == q.SearchK);
                if (a is not null)
                {
                    sb.AppendLine(inv, $"| {q.SearchK} | {q.CpuQueriesPerSecond:F0} | {a.CpuQueriesPerSecond:F0} | {q.CpuQueriesPerSecond / a.CpuQueriesPerSecond:F2} | {q.QueriesPerSecond:F0} | {a.QueriesPerSecond:F0} | {q.QueriesPerSecond / a.QueriesPerSecond:F2} | {q.Recall:F4} | {a.Recall:F4} |");
                }
            }

            var annoyBuild = annoy.Builds[0];
            var oursOne = ours.Builds.First(b => b.Threads == 1);
            var oursAll = ours.Builds.MaxBy(b => b.Threads)!;
            sb.AppendLine();
            sb.AppendLine(inv, $"Build (wall): annoy (1 thread, its only mode in r-cran-rcppannoy) {annoyBuild.Seconds:F2} s; ours 1 thread {oursOne.Seconds:F2} s " +
                $"(annoy/ours {annoyBuild.Seconds / oursOne.Seconds:F2}), ours {oursAll.Threads} threads {oursAll.Seconds:F2} s (annoy/ours {annoyBuild.Seconds / oursAll.Seconds:F2}).");
            sb.AppendLine(inv, $"Build (CPU): annoy {annoyBuild.CpuSeconds:F2} s; ours 1 thread {oursOne.CpuSeconds:F2} s (annoy/ours {annoyBuild.CpuSeconds / oursOne.CpuSeconds:F2}).");
            if (annoy.CallOverheadMicroseconds is { } overhead)
            {
                sb.AppendLine(inv, $"annoy's figures include R's cost of one call into C++, measured at {overhead:F2} µs CPU per call (a trivial method); at the smallest searchK that is a visible share.");
            }

            sb.AppendLine(inv, $"Same bytes: ours (1 thread) and annoy's index files {(oursOne.Sha256 == annoyBuild.Sha256 ? "have the same sha256" : "DIFFER")}.");
        }

        return sb.ToString();
    }

    private static void Plot(string path, IReadOnlyList<BenchReport> reports, Settings s)
    {
        // queries/s spans orders of magnitude over searchK: plot log10 and label the ticks with the real values.
        var plot = new ScottPlot.Plot();
        foreach (var r in reports)
        {
            var scatter = plot.Add.Scatter(
                r.Search.Select(x => x.Recall).ToArray(),
                r.Search.Select(x => Math.Log10(x.CpuQueriesPerSecond)).ToArray());
            scatter.LegendText = r.Implementation;
            scatter.MarkerSize = 8;
        }

        plot.Axes.Left.TickGenerator = new ScottPlot.TickGenerators.NumericAutomatic
        {
            MinorTickGenerator = new ScottPlot.TickGenerators.LogMinorTickGenerator(),
            IntegerTicksOnly = true,
            LabelFormatter = y => Math.Pow(10, y).ToString("N0", CultureInfo.InvariantCulture),
        };
        plot.Axes.SetLimitsX(Math.Max(0, reports.SelectMany(r => r.Search).Min(x => x.Recall) - 0.05), 1.0);
        plot.Title($"{s.N:N0} x {s.Dim} {s.Data}, {s.Metric}, {s.Trees} trees: recall@10 vs queries/s (1 thread, CPU time)");
        plot.XLabel("recall@10");
        plot.YLabel("queries per second (log scale)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        plot.SavePng(path, 900, 600);
    }

    private static Machine DescribeMachine()
    {
        var cpu = "unknown CPU";
        if (File.Exists("/proc/cpuinfo"))
        {
            cpu = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal))?.Split(':', 2)[1].Trim() ?? cpu;
        }

        return new Machine(cpu, Environment.ProcessorCount, RuntimeInformation.OSDescription, RuntimeInformation.FrameworkDescription,
            Vector256.IsHardwareAccelerated, Vector512.IsHardwareAccelerated);
    }

    private static string Sha256(string path)
    {
        using var fs = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(fs));
    }
}
