using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Export;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex export --dataset NAME --format npy|parquet|csv</c>: a dataset's embeddings with their labels, for analysis elsewhere.</summary>
internal static class ExportCommand
{
    public static Command Create()
    {
        var library = CliOptions.Library();
        var dataset = new Option<string>("--dataset") { Description = "The dataset to export.", Required = true };
        var format = new Option<ExportFormat>("--format") { Description = "npy (NAME.npy + NAME.labels.csv), parquet, or csv.", DefaultValueFactory = _ => ExportFormat.Parquet };
        var output = new Option<string?>("--out", "-o") { Description = "The file to write (default: DATASET.npy / .parquet / .csv in the current folder)." };
        var subjects = new Option<bool>("--subjects") { Description = "Only the subject face of each image (the one its label is about)." };
        var model = CliOptions.Model();
        var json = CliOptions.Json();
        var command = new Command("export", "Export a dataset's embeddings with face id, image path, identity, box, subject flag and model id (npy, Parquet or CSV).")
        {
            library, dataset, format, output, subjects, model, json,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var name = parse.GetValue(dataset)!;
            var kind = parse.GetValue(format);
            var path = parse.GetValue(output) ?? name + "." + kind.ToString().ToLowerInvariant();
            using var catalog = FaceLibrary.OpenCatalog(parse.GetValue(library)!, readOnly: true);
            // Without --model, the faces' own embeddings (the default model's) as before; with it, that model's only.
            var modelId = parse.GetValue(model) is { } named ? LibraryModels.ResolveEmbedded(catalog, named).ModelId : null;
            var result = EmbeddingExporter.Export(catalog, name, kind, path, new ExportOptions(SubjectsOnly: parse.GetValue(subjects), ModelId: modelId), cancellationToken);
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else
            {
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"exported {result.Faces:N0} faces of {result.Dataset} ({result.Dimension}-d, {string.Join(", ", result.ModelIds)}) to {string.Join(" + ", result.Files)}")));
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }
}
