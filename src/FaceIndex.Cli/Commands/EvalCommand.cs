using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Evaluation;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex eval verify|identify</c>: the verification and identification protocols researchers report.</summary>
internal static class EvalCommand
{
    public static Command Create() => new("eval", "Evaluate recognition: verification on a pairs file (LFW protocol), identification on an indexed dataset.")
    {
        Verify(),
        Identify(),
    };

    private static Command Verify()
    {
        var pairs = new Argument<FileInfo>("pairs") { Description = "LFW pairs.txt (View 2) or a CSV a,b,same." };
        var root = new Option<DirectoryInfo>("--root") { Description = "The folder the pairs' image paths are relative to (LFW: the folder of Name/Name_0001.jpg).", Required = true };
        var format = new Option<string>("--format") { Description = "lfw | csv | auto (by extension: .csv is CSV).", DefaultValueFactory = _ => "auto" };
        var metric = new Option<EmbeddingMetric>("--metric") { Description = "euclidean (raw embeddings, default) or cosine.", DefaultValueFactory = _ => EmbeddingMetric.Euclidean };
        var missing = new Option<MissingFacePolicy>("--missing") { Description = "A pair with an image without a detected face: error (counts as wrong; default), exclude, or center (use the central region).", DefaultValueFactory = _ => MissingFacePolicy.Error };
        var subject = new Option<SubjectPolicy>("--subject") { Description = "The face of a multi-face image: center (default) or largest.", DefaultValueFactory = _ => SubjectPolicy.Center };
        var retry = new Option<int>("--retry-upsample") { Description = "When no face is found, detect again at this upsample (default 2; 0 for no retry).", DefaultValueFactory = _ => 2 };
        var cache = new Option<DirectoryInfo?>("--cache") { Description = $"Embedding cache folder (default {SubjectEmbeddings.DefaultCacheDirectory})." };
        var noCache = new Option<bool>("--no-cache") { Description = "Do not read or write the embedding cache." };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.md, results.json, roc.png and scores.png into this folder." };
        var jitter = new Option<int>("--jitter") { Description = "Average the embeddings of N jittered copies of each chip, as dlib does (dlib's best LFW figure used 100; N times slower).", DefaultValueFactory = _ => 0 };
        var upsample = CliOptions.Upsample(1);
        var detector = CliOptions.Detector();
        var flip = CliOptions.Flip();
        var json = CliOptions.Json();
        var extras = EvalVerifyExtras.Options();
        var command = new Command("verify", "Verification accuracy with LFW's 10-fold protocol, AUC, EER, TAR@FAR, ROC; per-pair scores, worst errors, per-group figures.")
        {
            pairs, root, format, metric, missing, subject, retry, cache, noCache, report, jitter, upsample, detector, flip, json,
            EvalComparison.Models, EvalComparison.Aligns, EvalComparison.Channels, EvalComparison.Fusion, EvalComparison.Library,
        };
        foreach (var option in extras.All)
        {
            command.Options.Add(option);
        }

        command.SetAction((parse, token) =>
        {
            var file = parse.GetValue(pairs)!.FullName;
            var imageRoot = parse.GetValue(root)!.FullName;
            var kind = parse.GetValue(format)!.ToUpperInvariant();
            var list = kind switch
            {
                "LFW" => PairsFile.ReadLfw(file, imageRoot),
                "CSV" => PairsFile.ReadCsv(file, imageRoot),
                "AUTO" => file.EndsWith(".csv", StringComparison.OrdinalIgnoreCase) ? PairsFile.ReadCsv(file, imageRoot) : PairsFile.ReadLfw(file, imageRoot),
                _ => throw new FaceIndexException($"--format {kind.ToLowerInvariant()} is not one of lfw, csv, auto"),
            };
            var flipTta = parse.GetValue(flip);
            var settings = new VerificationSettings(
                parse.GetValue(metric),
                parse.GetValue(missing),
                new SubjectEmbeddingOptions(Upsample: parse.GetValue(upsample), RetryUpsample: parse.GetValue(retry), Subject: parse.GetValue(subject), Jitter: parse.GetValue(jitter), Detector: DetectorKinds.Parse(parse.GetValue(detector)!)),
                flipTta);
            var cacheDir = parse.GetValue(noCache) ? null : parse.GetValue(cache)?.FullName ?? SubjectEmbeddings.DefaultCacheDirectory;
            if (EvalComparison.Wanted(parse))
            {
                var extraSettings = new Dictionary<string, string> { ["pairsFile"] = file, ["root"] = imageRoot, ["format"] = kind.ToLowerInvariant() };
                EmbeddingMetric? given = parse.GetResult(metric) is { Implicit: false } ? parse.GetValue(metric) : null;
                return Task.FromResult(EvalComparison.Run(parse, list, settings, given, cacheDir, extraSettings, parse.GetValue(report), parse.GetValue(json), token));
            }

            using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = flipTta }));
            var extra = new Dictionary<string, string> { ["pairsFile"] = file, ["root"] = imageRoot, ["format"] = kind.ToLowerInvariant() };
            var asJson = parse.GetValue(json);
            var outcome = asJson || Console.IsOutputRedirected
                ? VerificationRun.Evaluate(engine, list, settings, cacheDir, extra, null, token)
                : WithProgress(list, p => VerificationRun.Evaluate(engine, list, settings, cacheDir, extra, p, token));
            string? reportPath = null;
            if (parse.GetValue(report) is { } dir)
            {
                reportPath = WriteVerificationReport(dir.FullName, outcome);
            }

            var added = extras.Apply(parse, outcome, engine.Decoder, imageRoot, parse.GetValue(report)?.FullName, reportPath, asJson);
            if (asJson)
            {
                var extraRun = outcome.Run with
                {
                    Extra = new SortedDictionary<string, string>(outcome.Run.Extra.ToDictionary(), StringComparer.Ordinal)
                    {
                        ["accuracyAtDefaultThreshold"] = outcome.AccuracyAtDefaultThreshold?.ToString("F4", CultureInfo.InvariantCulture) ?? "n/a",
                    },
                };
                Console.WriteLine(EvaluationReport.ToJson(new EvaluationSummary(extraRun, outcome.Result, null)));
            }
            else
            {
                RenderVerification(outcome, reportPath);
                added.Render();
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    private static Command Identify()
    {
        var dataset = new Option<string>("--dataset") { Description = "An indexed dataset with identity labels.", Required = true };
        var seed = new Option<int>("--seed") { Description = "Seed of the gallery/probe split (recorded).", DefaultValueFactory = _ => 1 };
        var search = new Option<GallerySearch>("--search") { Description = "exact, annoy, hnsw, both (exact and annoy) or all (shows what approximate search costs).", DefaultValueFactory = _ => GallerySearch.All };
        var metric = new Option<EmbeddingMetric>("--metric") { Description = "euclidean (default) or cosine.", DefaultValueFactory = _ => EmbeddingMetric.Euclidean };
        var report = new Option<DirectoryInfo?>("--report") { Description = "Write report.md, results.json, cmc.png and det.png into this folder." };
        var library = CliOptions.Library();
        var flip = CliOptions.Flip();
        var model = CliOptions.Model();
        model.Description = "The model whose stored embeddings are evaluated (default: the library's default model); 'faceindex index DIR --dataset D --model NAME' adds a model's embeddings.";
        var json = CliOptions.Json();
        var openSet = EvalOpenSetOutput.Options();
        var command = new Command("identify", "Closed-set rank-1/5/10 and CMC, open-set DIR@FAR, identity templates and the open-set DET, on an indexed dataset's labelled faces.")
        {
            dataset, seed, search, metric, report, library, flip, model, json,
        };
        foreach (var option in openSet.All)
        {
            command.Options.Add(option);
        }

        command.SetAction(parse =>
        {
            using var catalog = CatalogFactory.OpenReader(parse.GetValue(library)!, StderrLogger.Instance);
            string modelId;
            if (catalog is FaceCatalog folder)
            {
                var (registered, flipOn) = LibraryModels.Resolve(folder, parse.GetValue(model), parse.GetValue(flip));
                modelId = registered.ModelId(flipOn || parse.GetValue(flip));
                LibraryModels.EnsureEmbedded(folder, modelId, registered.Name);
            }
            else
            {
                // A PostgreSQL library keeps no model registry: its workers embed with dlib's network or a built-in model.
                modelId = Embedding.Onnx.ModelRegistry.Open(null).Resolve(parse.GetValue(model)).ModelId(parse.GetValue(flip));
            }

            var outcome = IdentificationRun.Evaluate(catalog, parse.GetValue(dataset)!, modelId, parse.GetValue(seed), parse.GetValue(search), parse.GetValue(metric));
            var open = OpenSetRun.Evaluate(catalog, parse.GetValue(dataset)!, modelId, openSet.Settings(parse, parse.GetValue(seed)));
            var groups = openSet.Groups(parse, open);
            string? reportPath = null;
            if (parse.GetValue(report) is { } dir)
            {
                Directory.CreateDirectory(dir.FullName);
                var cmc = EvaluationPlots.SaveCmc(Path.Combine(dir.FullName, "cmc.png"), [.. outcome.Results.Select(r => (r.SearchName, r.Cmc))]);
                reportPath = EvaluationReport.Write(dir.FullName, new EvaluationSummary(outcome.Run, null, outcome.Results[0]), [new ReportPlot("CMC", Path.GetFileName(cmc))]);
                if (outcome.Results.Count > 1)
                {
                    File.AppendAllText(reportPath, "\n## Exact against approximate search\n\n" + IdentificationTable(outcome.Results));
                }

                EvalOpenSetOutput.AppendToReport(dir.FullName, reportPath, open);
                if (groups is not null)
                {
                    File.AppendAllText(reportPath, GroupIdentification.ToMarkdown(groups, open.Results[0].Template, open.Threshold.Value));
                }
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { outcome.Results, outcome.Identities, outcome.Samples, outcome.Run, openSet = EvalOpenSetOutput.ForJson(open), groups }, EvalOpenSetOutput.JsonOptions));
                return Program.Success;
            }

            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "{0} identities, {1} labelled subject faces, seed {2}", outcome.Identities, outcome.Samples, parse.GetValue(seed));
            var table = new Table().AddColumns("search", "gallery", "mated probes", "non-mated", "rank-1", "rank-5", "rank-10", "DIR@FAR 1e-2", "DIR@FAR 1e-3");
            foreach (var r in outcome.Results)
            {
                table.AddRow(
                    Markup.Escape(r.SearchName), N(r.GallerySize), N(r.MatedProbeCount), N(r.NonMatedProbeCount),
                    EvaluationReport.Rate(r.Rank1), EvaluationReport.Rate(r.Rank5), EvaluationReport.Rate(r.Rank10),
                    Dir(r, 1e-2), Dir(r, 1e-3));
            }

            AnsiConsole.Write(table);
            EvalOpenSetOutput.Render(open);
            if (groups is not null)
            {
                EvalOpenSetOutput.RenderGroups(groups);
            }

            if (reportPath is not null)
            {
                AnsiConsole.MarkupLine($"report: {Markup.Escape(reportPath)}");
            }

            return Program.Success;
        });
        return command;
    }

    private static string IdentificationTable(IReadOnlyList<IdentificationResult> results)
    {
        var md = new System.Text.StringBuilder("| search | rank-1 | rank-5 | rank-10 | DIR@FAR 1e-2 | DIR@FAR 1e-3 |\n|---|---|---|---|---|---|\n");
        foreach (var r in results)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {r.SearchName} | {EvaluationReport.Rate(r.Rank1)} | {EvaluationReport.Rate(r.Rank5)} | {EvaluationReport.Rate(r.Rank10)} | {Dir(r, 1e-2)} | {Dir(r, 1e-3)} |\n");
        }

        return md.ToString();
    }

    private static string Dir(IdentificationResult r, double far) =>
        r.DirAtFar.FirstOrDefault(d => Math.Abs(d.TargetFar - far) < far / 100) is { } d ? EvaluationReport.Rate(d.Dir) : "n/a";

    private static VerificationOutcome WithProgress(IReadOnlyList<VerificationPair> pairs, Func<IProgress<int>, VerificationOutcome> run)
    {
        var images = pairs.SelectMany(p => new[] { p.PathA, p.PathB }).Distinct(StringComparer.Ordinal).Count();
        VerificationOutcome? outcome = null;
        AnsiConsole.Progress()
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn())
            .Start(context =>
            {
                var task = context.AddTask($"embedding {images:N0} images", maxValue: images);
                outcome = run(new Progress<int>(done => task.Value = done));
                task.Value = images;
            });
        return outcome!;
    }

    private static string WriteVerificationReport(string dir, VerificationOutcome outcome)
    {
        Directory.CreateDirectory(dir);
        var r = outcome.Result;
        var roc = EvaluationPlots.SaveRoc(Path.Combine(dir, "roc.png"), [(outcome.Run.Settings["modelId"], r.Roc)]);
        var scores = EvaluationPlots.SaveScoreHistogram(Path.Combine(dir, "scores.png"), outcome.Scores, r.BestThreshold, r.Direction);
        var path = EvaluationReport.Write(dir, new EvaluationSummary(outcome.Run, r, null), [new ReportPlot("ROC (log FAR)", Path.GetFileName(roc)), new ReportPlot("Scores of matched and mismatched pairs", Path.GetFileName(scores))]);
        File.AppendAllText(path, KnownCosts(outcome));
        return path;
    }

    private static string KnownCosts(VerificationOutcome outcome)
    {
        var md = new System.Text.StringBuilder("\n## What is known to cost accuracy in this run\n\n");
        md.Append(CultureInfo.InvariantCulture, $"- Images by where their embedding came from: {string.Join(", ", outcome.Sources.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))}.\n");
        md.Append(CultureInfo.InvariantCulture, $"- Images with no detected face (even after the retry) or that failed to decode: {outcome.MissingImages.Count}; policy '{outcome.Run.Settings["missingFacePolicy"]}'.\n");
        foreach (var path in outcome.MissingImages.Take(100))
        {
            md.Append("  - ").Append(path).Append('\n');
        }

        md.Append(CultureInfo.InvariantCulture, $"- Images with more than one face: {outcome.MultiFaceImages}; each uses the face chosen by the subject rule ('{outcome.Run.Settings["subjectFace"]}'), and a wrong choice makes its pairs wrong.\n");
        return md.ToString();
    }

    private static void RenderVerification(VerificationOutcome outcome, string? reportPath)
    {
        var r = outcome.Result;
        var table = new Table().AddColumns("pairs", "accuracy (10-fold)", "SD", "SE", "AUC", "EER", "TAR@FAR 1e-2", "TAR@FAR 1e-3", "best threshold", "its accuracy");
        string Tar(double far) => r.TarAtFar.FirstOrDefault(t => Math.Abs(t.TargetFar - far) < far / 100) is { } t ? EvaluationReport.Rate(t.Tar) : "n/a";
        table.AddRow(
            N(r.PairCount), EvaluationReport.Rate(r.MeanAccuracy), EvaluationReport.Rate(r.AccuracySd), EvaluationReport.Rate(r.AccuracySe),
            EvaluationReport.Rate(r.Auc), EvaluationReport.Rate(r.Eer), Tar(1e-2), Tar(1e-3), EvaluationReport.Threshold(r.BestThreshold), EvaluationReport.Rate(r.BestThresholdAccuracy));
        AnsiConsole.Write(table);

        // What each detector found: HOG (or SSD alone), HOG on retry, SSD after HOG, and the images without a face.
        AnsiConsole.MarkupLine(
            "pair images by detector {0}: {1}",
            Markup.Escape(outcome.Run.Settings.GetValueOrDefault("detector", "hog")),
            Markup.Escape(string.Join(", ", outcome.Sources.OrderBy(kv => kv.Key).Select(kv => $"{kv.Key} {kv.Value}"))));
        if (outcome.AccuracyAtDefaultThreshold is { } fixedAccuracy)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "accuracy at dlib's default threshold {0}: {1:F4}", FaceDistance.SameThreshold, fixedAccuracy);
        }

        AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "missing faces: {0} matched and {1} mismatched pairs ({2}); embeddings from cache: {3}; {4:F1} s",
            r.MissingMatched, r.MissingMismatched, Markup.Escape(outcome.Run.Settings["missingFacePolicy"]), outcome.CacheHits, outcome.Run.TimingsSeconds["total"]);
        if (reportPath is not null)
        {
            AnsiConsole.MarkupLine($"report: {Markup.Escape(reportPath)}");
        }
    }

    private static string N(int value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
