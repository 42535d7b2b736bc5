using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Embedding;
using FaceIndex.Evaluation;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex calibrate</c>: fits the same-person threshold to labelled data and stores it in the library.</summary>
internal static class CalibrateCommand
{
    public static Command Create()
    {
        var pairs = new Argument<FileInfo?>("pairs") { Description = "A pairs file (LFW pairs.txt or CSV a,b,same) to calibrate on; or use --dataset.", Arity = ArgumentArity.ZeroOrOne };
        var root = new Option<DirectoryInfo?>("--root") { Description = "The folder the pairs' image paths are relative to." };
        var dataset = new Option<string?>("--dataset") { Description = "Calibrate on an indexed dataset's labelled faces (every same-identity pair, and different-identity pairs)." };
        var far = new Option<double[]>("--far") { Description = "FAR target(s) to fit a threshold at (default 1e-2 and 1e-3); repeat for several.", AllowMultipleArgumentsPerToken = true };
        var use = new Option<string?>("--use") { Description = "The point to put in force: 'accuracy' or one of the --far values. Default: the first --far with enough impostor pairs, else accuracy." };
        var forDataset = new Option<string?>("--for-dataset") { Description = "Store the threshold for this dataset only (queries of it use it); default: for the model in every dataset." };
        var bootstrap = new Option<int>("--bootstrap") { Description = "Bootstrap replicates for the 95% intervals (default 1000; 0 for none).", DefaultValueFactory = _ => 1000 };
        var seed = new Option<int>("--seed") { Description = "Seed of the bootstrap and of impostor sampling (recorded).", DefaultValueFactory = _ => 1 };
        var dryRun = new Option<bool>("--dry-run") { Description = "Show the thresholds without storing them." };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Embedding cache folder for pairs files (default {SubjectEmbeddings.DefaultCacheDirectory})." };
        var library = CliOptions.Library();
        var upsample = CliOptions.Upsample(1);
        var flip = CliOptions.Flip();
        var model = CliOptions.Model();
        model.Description = "With --dataset: calibrate this model's stored embeddings (default: dlib's network). A cosine model's threshold is a distance between unit embeddings.";
        var json = CliOptions.Json();
        var command = new Command("calibrate", "Fit the same-person distance threshold to your data (at FAR targets and at best accuracy, with bootstrap intervals) and store it in the library.")
        {
            pairs, root, dataset, far, use, forDataset, bootstrap, seed, dryRun, cache, library, upsample, flip, model, json,
        };
        command.SetAction((parse, token) =>
        {
            var file = parse.GetValue(pairs);
            var name = parse.GetValue(dataset);
            if ((file is null) == (name is null))
            {
                throw new FaceIndexException("give a PAIRS file (with --root DIR) or --dataset NAME, not both and not neither");
            }

            var flipTta = parse.GetValue(flip);
            var modelId = DlibResNetEmbedder.BaseModelId + (flipTta ? "+flip" : string.Empty);
            if (parse.GetValue(model) is { } named && !string.Equals(named.Trim(), Embedding.Onnx.ModelRegistry.DlibName, StringComparison.OrdinalIgnoreCase))
            {
                if (file is not null)
                {
                    throw new FaceIndexException($"--model {named} works with --dataset NAME for now (the model's stored embeddings); a pairs file is calibrated with dlib's network");
                }

                modelId = CliOptions.ResolveModel(named, parse.GetValue(library)!).ModelId(flipTta);
            }
            var options = new CalibrationOptions(parse.GetValue(far) is { Length: > 0 } f ? f : null, parse.GetValue(bootstrap), parse.GetValue(seed));
            var libraryPath = parse.GetValue(library)!;
            IReadOnlyList<ScoredPair> scored;
            string source;
            if (file is not null)
            {
                var imageRoot = parse.GetValue(root)?.FullName ?? throw new FaceIndexException("a pairs file needs --root DIR, the folder its image paths are relative to");
                var list = file.Name.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? PairsFile.ReadCsv(file.FullName, imageRoot) : PairsFile.ReadLfw(file.FullName, imageRoot);
                using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = flipTta }));
                var settings = new VerificationSettings(EmbeddingMetric.Euclidean, MissingFacePolicy.Exclude, new SubjectEmbeddingOptions(Upsample: parse.GetValue(upsample)), flipTta);
                var outcome = VerificationRun.Evaluate(engine, list, settings, parse.GetValue(cache)?.FullName ?? SubjectEmbeddings.DefaultCacheDirectory, null, null, token);
                scored = outcome.Scores;
                source = $"pairs file {file.Name}";
            }
            else
            {
                using var catalog = CatalogFactory.OpenReader(libraryPath, StderrLogger.Instance);
                var faces = catalog.LabelledSubjects(name!, modelId);
                scored = CalibrationPairs.FromLabelledFaces([.. faces.Select(x => (x.Identity, x.Embedding))], parse.GetValue(seed));
                source = $"dataset {name}";
            }

            CalibrationResult? result = null;
            if (parse.GetValue(json) || Console.IsOutputRedirected || options.Bootstrap == 0)
            {
                result = ThresholdCalibration.Calibrate(scored, options, cancellationToken: token);
            }
            else
            {
                AnsiConsole.Progress().Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(context =>
                {
                    var task = context.AddTask($"bootstrap over {scored.Count:N0} pairs", maxValue: options.Bootstrap);
                    result = ThresholdCalibration.Calibrate(scored, options, new Progress<int>(done => task.Value = done), token);
                    task.Value = options.Bootstrap;
                });
            }

            var chosen = CalibrationStore.Choose(result!, parse.GetValue(use));
            long? id = null;
            var scope = parse.GetValue(forDataset);
            var where = libraryPath;
            if (!parse.GetValue(dryRun))
            {
                using var catalog = CatalogFactory.Open(libraryPath, StderrLogger.Instance);
                id = CalibrationStore.Save(catalog, modelId, scope, source, result!, chosen);
                where = catalog.Location;
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    new { modelId, source, forDataset = scope, stored = id, chosen = chosen.Name, threshold = chosen.Threshold, result = JsonDocument.Parse(CalibrationStore.ToJson(result!)).RootElement },
                    CliJson.Options));
                return Task.FromResult(Program.Success);
            }

            Render(result!, source, modelId);
            AnsiConsole.MarkupLine(Markup.Escape(id is { } stored
                ? FormattableString.Invariant($"in force from now on for {modelId}{(scope is null ? string.Empty : $" on dataset {scope}")}: {chosen.Threshold:0.####} ({chosen.Name}), calibration #{stored} in {where}; verify and query use it, --threshold overrides")
                : FormattableString.Invariant($"not stored (--dry-run); {chosen.Name} would be in force: {chosen.Threshold:0.####}")));
            return Task.FromResult(Program.Success);
        });
        return command;
    }

    internal static void Render(CalibrationResult result, string source, string modelId)
    {
        AnsiConsole.MarkupLine(Markup.Escape(FormattableString.Invariant(
            $"{modelId} on {source}: {result.GenuinePairs:N0} same-person and {result.ImpostorPairs:N0} different-person pairs ({result.MissingPairs} without a face left out); {result.Options.Bootstrap} bootstrap replicates, seed {result.Options.Seed}")));
        var table = new Table().AddColumns("point", "threshold", "95% interval", "FAR", "TAR", "accuracy", "impostor pairs");
        foreach (var p in result.Points)
        {
            table.AddRow(
                Markup.Escape(p.Name), T(p.Threshold), double.IsNaN(p.CiLow) ? "-" : $"{T(p.CiLow)} - {T(p.CiHigh)}",
                EvaluationReport.Rate(p.Far), EvaluationReport.Rate(p.Tar), EvaluationReport.Rate(p.Accuracy), p.ImpostorPairs.ToString("N0", CultureInfo.InvariantCulture));
        }

        var d = result.AtDefault;
        table.AddRow("dlib default", T(d.Threshold), "-", EvaluationReport.Rate(d.Far), EvaluationReport.Rate(d.Tar), EvaluationReport.Rate(d.Accuracy), result.ImpostorPairs.ToString("N0", CultureInfo.InvariantCulture));
        AnsiConsole.Write(table);
        foreach (var p in result.Points.Where(p => p.Note is not null))
        {
            AnsiConsole.MarkupLine($"[yellow]{Markup.Escape(p.Note!)}[/]");
        }
    }

    private static string T(double value) => value.ToString("0.0000", CultureInfo.InvariantCulture);
}
