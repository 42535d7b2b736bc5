using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Audit;
using FaceIndex.Catalog;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex audit --dataset NAME [--against OTHER] [--report DIR]</c>: duplicates, label noise, low quality, overlap.</summary>
internal static class AuditCommand
{
    public static Command Create()
    {
        var library = CliOptions.Library();
        var dataset = new Option<string>("--dataset") { Description = "The dataset to audit.", Required = true };
        var against = new Option<string?>("--against") { Description = "Another dataset of the library: report people both share (by faces, not names)." };
        var report = new Option<string?>("--report") { Description = "Write audit.html (thumbnails side by side), findings.json and findings.csv into this folder." };
        var json = CliOptions.Json();
        var csv = new Option<bool>("--csv") { Description = "Print the findings as CSV." };
        var neighbours = new Option<int>("--neighbours") { Description = "Nearest faces per face, from the face index.", DefaultValueFactory = _ => 10 };
        var same = new Option<double?>("--same-threshold") { Description = "Same-person distance, a cosine similarity for a cosine model (default: calibrated on the dataset's own pairs)." };
        var duplicate = new Option<double?>("--duplicate-threshold") { Description = "Same-photo distance, a cosine similarity for a cosine model (default: 0.4 x the median same-identity distance, within 0.05-0.2)." };
        var margin = new Option<double>("--margin") { Description = "How much closer another identity must be to call a face mislabelled.", DefaultValueFactory = _ => 0.1 };
        var quality = new Option<double>("--quality-threshold") { Description = "Report faces whose quality score (0-1) is below this.", DefaultValueFactory = _ => 0.4 };
        var noSharpness = new Option<bool>("--no-sharpness") { Description = "Do not read the images (the quality score then goes without sharpness)." };
        var seed = new Option<int>("--seed") { Description = "Seed of the calibration's pair sampling.", DefaultValueFactory = _ => 42 };
        var top = new Option<int>("--top") { Description = "Rows shown in the table.", DefaultValueFactory = _ => 30 };
        var model = CliOptions.Model();
        var command = new Command("audit", "Audit a dataset: duplicates, probably mislabelled faces, one label two people, two labels one person, wrong subjects, outliers, low quality, overlap with another dataset.")
        {
            library, dataset, against, report, json, csv, neighbours, same, duplicate, margin, quality, noSharpness, seed, top, model,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            using var catalog = FaceLibrary.OpenCatalog(parse.GetValue(library)!, readOnly: true);
            var (registered, modelId) = LibraryModels.ResolveEmbedded(catalog, parse.GetValue(model));
            var quiet = parse.GetValue(json) || parse.GetValue(csv);
            using var index = FaceSearchIndex.Open(catalog, modelId, log: quiet ? null : m => Console.Error.WriteLine($"faceindex: {m}"));
            var options = new AuditOptions(
                parse.GetValue(dataset)!,
                parse.GetValue(against),
                parse.GetValue(neighbours),
                parse.GetValue(same) is { } sameGiven ? LibraryModels.GivenDistance(registered, sameGiven, "--same-threshold") : null,
                parse.GetValue(duplicate) is { } duplicateGiven ? LibraryModels.GivenDistance(registered, duplicateGiven, "--duplicate-threshold") : null,
                parse.GetValue(margin),
                QualityThreshold: parse.GetValue(quality),
                Sharpness: !parse.GetValue(noSharpness),
                Seed: parse.GetValue(seed));
            string? Root(string name) => catalog.GetDataset(name)?.RootPath;
            var result = DatasetAuditor.Run(catalog, index, options, Root, quiet ? null : new Progress<string>(m => Console.Error.WriteLine($"faceindex: {m}")), cancellationToken);
            string? page = null;
            if (parse.GetValue(report) is { } folder)
            {
                page = AuditHtmlReport.Write(folder, result, new FaceThumbnails(Root));
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, AuditHtmlReport.Json));
            }
            else if (parse.GetValue(csv))
            {
                Console.Write(AuditHtmlReport.Csv(result));
            }
            else
            {
                Render(result, parse.GetValue(top), page);
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    private static void Render(AuditResult r, int top, string? page)
    {
        var c = r.Calibration;
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{r.Options.Dataset} ({r.ModelId}): {r.Faces:N0} faces, {r.Identities:N0} identities; same person below {c.SameThreshold:F3}, same photo below {c.DuplicateThreshold:F3} ({c.How}); {r.Seconds.Values.Sum():F1} s")));
        var kinds = new Table().AddColumns("kind", "findings");
        foreach (var (kind, n) in r.CountByKind)
        {
            kinds.AddRow(kind.ToString(), n.ToString("N0", CultureInfo.InvariantCulture));
        }

        AnsiConsole.Write(kinds);
        var table = new Table().AddColumns("#", "kind", "confidence", "faces", "finding");
        foreach (var (f, i) in r.Findings.Take(top).Select((f, i) => (f, i)))
        {
            table.AddRow(
                (i + 1).ToString(CultureInfo.InvariantCulture),
                f.Kind.ToString(),
                f.Confidence.ToString("F2", CultureInfo.InvariantCulture),
                Markup.Escape(string.Join(" ", f.Faces.Take(3).Select(x => x.ImagePath)) + (f.Faces.Count > 3 ? " …" : string.Empty)),
                Markup.Escape(f.Summary));
        }

        AnsiConsole.Write(table);
        if (page is not null)
        {
            AnsiConsole.MarkupLine(Markup.Escape($"report: {page}"));
        }
    }
}
