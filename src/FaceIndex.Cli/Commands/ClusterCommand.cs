using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Audit;
using FaceIndex.Catalog;
using FaceIndex.Clustering;
using FaceIndex.Datasets;
using FaceIndex.Embedding;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex cluster DIR | --dataset NAME</c>: group faces by person without labels.</summary>
internal static class ClusterCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo?>("dir") { Description = "A folder of photos to index (as a dataset) and cluster; or give --dataset for one already indexed.", Arity = ArgumentArity.ZeroOrOne };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset to cluster (with DIR: its name, default the folder name)." };
        var licence = new Option<string?>("--licence", "--license") { Description = "With DIR: the licence under which you use the photos (or a dataset.json beside them)." };
        var algorithm = new Option<ClusterAlgorithm>("--algorithm") { Description = "AverageLinkage (default, chosen by measurement: see README) or ChineseWhispers (dlib's).", DefaultValueFactory = _ => ClusterAlgorithm.AverageLinkage };
        var threshold = new Option<double?>("--threshold") { Description = $"Same person below this distance, above this cosine similarity for a cosine model (default: the model's, {FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture)} for dlib's)." };
        var neighbours = new Option<int>("--neighbours") { Description = "Nearest faces per face from the face index.", DefaultValueFactory = _ => 20 };
        var minSize = new Option<int>("--min-size") { Description = "Smaller clusters are reported as unclustered (id -1).", DefaultValueFactory = _ => 2 };
        var subjects = new Option<bool>("--subjects") { Description = "Cluster only each image's subject face." };
        var seed = new Option<int>("--seed") { Description = "Chinese Whispers' seed.", DefaultValueFactory = _ => 42 };
        var output = new Option<string?>("--out", "-o") { Description = "Write clusters.csv, clusters.json and clusters.html (a montage per cluster) into this folder." };
        var library = CliOptions.Library();
        var json = CliOptions.Json();
        var model = CliOptions.Model();
        var command = new Command("cluster", "Group faces by person without labels: Chinese Whispers or average linkage over the face index's nearest neighbours. Cluster ids go to the catalog, CSV, JSON and an HTML montage.")
        {
            dir, dataset, licence, algorithm, threshold, neighbours, minSize, subjects, seed, output, library, json, model,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var libraryDir = Path.GetFullPath(parse.GetValue(library)!);
            var name = parse.GetValue(dataset);
            var asJson = parse.GetValue(json);
            if (parse.GetValue(dir) is { } folder)
            {
                name = IndexFolder(folder.FullName, name, parse.GetValue(licence), libraryDir, parse.GetValue(model), asJson, cancellationToken);
            }
            else if (name is null)
            {
                Console.Error.WriteLine("faceindex: give a folder of photos (cluster DIR) or an indexed dataset (--dataset NAME)");
                return Task.FromResult(Program.Usage);
            }

            using var catalog = FaceLibrary.OpenCatalog(libraryDir);
            var (registered, modelId) = LibraryModels.ResolveEmbedded(catalog, parse.GetValue(model));
            using var index = FaceSearchIndex.Open(catalog, modelId, log: asJson ? null : m => Console.Error.WriteLine($"faceindex: {m}"));
            var given = parse.GetValue(threshold) is { } t ? LibraryModels.GivenDistance(registered, t, "--threshold") : (double?)null;
            var options = new ClusterOptions(name, parse.GetValue(algorithm), given, parse.GetValue(neighbours), parse.GetValue(minSize), parse.GetValue(subjects), Seed: parse.GetValue(seed));
            var result = FaceClusterer.Run(catalog, index, options, store: true, cancellationToken);
            string? page = null;
            if (parse.GetValue(output) is { } outDir)
            {
                page = ClusterReport.Write(outDir, result, new FaceThumbnails(n => catalog.GetDataset(n)?.RootPath));
            }

            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(result, AuditHtmlReport.Json));
            }
            else
            {
                Render(result, page);
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    private static string IndexFolder(string root, string? name, string? licence, string libraryDir, string? model, bool quiet, CancellationToken cancellationToken)
    {
        var info = DatasetInfo.Resolve(root, new DatasetOptions { Name = name, Licence = licence });
        Directory.CreateDirectory(libraryDir);
        using var catalog = FaceCatalog.Open(libraryDir);

        // With --model the folder is indexed (or its stored faces embedded again) with that model, so it can be clustered by it.
        using var engine = FaceEngine.Load(model is null ? new EngineOptions() : new EngineOptions(Model: LibraryModels.Resolve(catalog, model, flip: false).Model));
        var summary = new DatasetIndexer(engine, catalog, new IndexerOptions()).Run(info, root, null, cancellationToken);
        FaceSearchIndex.BuildIfChanged(catalog, engine.Embedder.ModelId, CliOptions.SearchFor(libraryDir, null), log: quiet ? null : m => Console.Error.WriteLine($"faceindex: {m}"));
        if (!quiet)
        {
            Console.Error.WriteLine($"faceindex: indexed {root} as dataset '{info.Name}': {summary.Faces} faces in {summary.Processed} new image(s), {summary.Skipped} unchanged");
        }

        return info.Name;
    }

    private static void Render(ClusterResult r, string? page)
    {
        var clustered = r.Clusters.Where(c => c.Id >= 0).ToList();
        var unclustered = r.Clusters.FirstOrDefault(c => c.Id < 0)?.Faces.Count ?? 0;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{r.Options.Dataset}: {clustered.Sum(c => c.Faces.Count)} faces in {clustered.Count} clusters, {unclustered} unclustered ({r.Options.Algorithm}, {r.ModelId}, same person below {r.Threshold:F3}, {r.Seconds.Values.Sum():F2} s)")));
        var table = new Table().AddColumns("cluster", "faces", "labels (hidden from the clustering)", "examples");
        foreach (var c in r.Clusters.Take(40))
        {
            table.AddRow(
                c.Id < 0 ? "unclustered" : c.Id.ToString(CultureInfo.InvariantCulture),
                c.Faces.Count.ToString(CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(", ", c.Faces.Where(f => f.Identity is not null).GroupBy(f => f.Identity).OrderByDescending(g => g.Count()).Take(4).Select(g => $"{g.Key} {g.Count()}"))),
                Markup.Escape(string.Join(" ", c.Faces.Take(3).Select(f => f.ImagePath))));
        }

        AnsiConsole.Write(table);
        if (r.Metrics is { } m)
        {
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                $"against the labels ({m.Items} labelled faces): {m.Clusters} clusters for {m.Identities} identities; pairwise P {m.PairwisePrecision:F3} R {m.PairwiseRecall:F3} F {m.PairwiseF:F3}; BCubed P {m.BCubedPrecision:F3} R {m.BCubedRecall:F3} F {m.BCubedF:F3}")));
        }

        if (page is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"report: {page}"));
        }
    }
}
