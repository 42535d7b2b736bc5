using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex merge LIB... --into LIB</c>: join libraries (the shards of one dataset, or other datasets) exactly once.</summary>
internal static class MergeCommand
{
    public static Command Create()
    {
        var sources = new Argument<DirectoryInfo[]>("libraries") { Description = "The library folders to merge (e.g. the shards written by 'index --shard I/N').", Arity = ArgumentArity.OneOrMore };
        var into = new Option<string>("--into") { Description = "The library to merge into (created when missing; may already hold datasets).", Required = true };
        var ann = CliOptions.Ann();
        var json = CliOptions.Json();
        var command = new Command("merge", "Merge libraries into one: datasets, runs, images exactly once, faces, removal requests (applied across all of them); then build the face index.")
        {
            sources, into, ann, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var asJson = parse.GetValue(json);
            if (CatalogFactory.IsPostgres(parse.GetValue(into)))
            {
                return Task.FromResult(IntoPostgres(parse.GetValue(into)!, parse.GetValue(sources)!, asJson, cancellationToken));
            }

            var target = Path.GetFullPath(parse.GetValue(into)!);
            using var catalog = FaceCatalog.Open(target);
            var summaries = new List<MergeSummary>();
            string? modelId = null;
            foreach (var source in parse.GetValue(sources)!)
            {
                summaries.Add(catalog.MergeFrom(source.FullName, cancellationToken));
                modelId ??= FaceSearchIndex.ReadMeta(source.FullName)?.ModelId;
            }

            modelId ??= FaceSearchIndex.ReadMeta(target)?.ModelId ?? Embedding.DlibResNetEmbedder.BaseModelId;
            var meta = FaceSearchIndex.BuildIfChanged(catalog, modelId, CliOptions.SearchFor(target, parse.GetValue(ann)),
                log: asJson ? null : m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { into = target, merged = summaries, index = meta }, CliJson.Options));
                return Task.FromResult(Program.Success);
            }

            var table = new Table().AddColumns("merged", "datasets added", "runs", "images added", "replaced (newer)", "already there", "faces", "removal requests", "faces removed by them");
            foreach (var s in summaries)
            {
                table.AddRow(Markup.Escape(Path.GetDirectoryName(s.Source) ?? s.Source), N(s.DatasetsAdded), N(s.RunsAdded), N(s.ImagesAdded), N(s.ImagesReplaced), N(s.ImagesUnchanged), N(s.FacesAdded), N(s.RemovalsAdded), N(s.FacesRemoved));
            }

            AnsiConsole.Write(table);
            AnsiConsole.MarkupLine($"into {Markup.Escape(target)}: {N(catalog.FaceCount())} faces; face index {Markup.Escape(meta.Describe())}");
            return Task.FromResult(Program.Success);
        });
        return command;
    }

    /// <summary>Shards (or other SQLite libraries) into a PostgreSQL library, through the catalog contract; its index is built by 'index build'.</summary>
    private static int IntoPostgres(string library, DirectoryInfo[] sources, bool asJson, CancellationToken cancellationToken)
    {
        using var target = CatalogFactory.Open(library, StderrLogger.Instance);
        var summaries = new List<MergeSummary>();
        foreach (var source in sources)
        {
            using var catalog = FaceLibrary.OpenCatalog(source.FullName, readOnly: true);
            summaries.Add(CatalogMerger.Merge(catalog, target, cancellationToken));
        }

        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { into = target.Location, merged = summaries }, CliJson.Options));
            return Program.Success;
        }

        var table = new Table().AddColumns("merged", "datasets added", "runs", "images added", "replaced (changed file)", "already there", "faces", "removal requests", "faces removed by them");
        foreach (var s in summaries)
        {
            table.AddRow(Markup.Escape(Path.GetDirectoryName(s.Source) ?? s.Source), N(s.DatasetsAdded), N(s.RunsAdded), N(s.ImagesAdded), N(s.ImagesReplaced), N(s.ImagesUnchanged), N(s.FacesAdded), N(s.RemovalsAdded), N(s.FacesRemoved));
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine($"into {Markup.Escape(target.Location)}: {N(target.FaceCount())} faces; build its face index with 'faceindex index build --library ... --out DIR'");
        return Program.Success;
    }

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
