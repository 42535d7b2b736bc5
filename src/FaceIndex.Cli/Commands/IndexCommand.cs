using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Datasets;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex index DIR --dataset NAME</c>: index a licensed dataset folder into the library.</summary>
internal static class IndexCommand
{
    public static Command Create()
    {
        var dir = new Argument<DirectoryInfo>("dir") { Description = "The dataset folder: identity folders (Name/Name_0001.jpg), a flat folder, or a CSV manifest (path,identity)." };
        var dataset = new Option<string?>("--dataset") { Description = "The dataset's name (default: dataset.json's name, else the folder name)." };
        var licence = new Option<string?>("--licence", "--license") { Description = "The licence under which you use it (e.g. 'LFW: research use', 'CC BY 4.0', or 'unknown', recorded as such)." };
        var source = new Option<string?>("--source") { Description = "Where the dataset comes from (URL or description)." };
        var consent = new Option<string?>("--consent") { Description = "On what basis its people are in it (public figures, consented, ...)." };
        var citation = new Option<string?>("--citation") { Description = "How to cite it." };
        var layout = new Option<string?>("--layout") { Description = "identity-folders | flat | csv (default: detected)." };
        var manifest = new Option<string?>("--manifest") { Description = "The CSV manifest (path,identity) for --layout csv; default manifest.csv." };
        var subject = new Option<SubjectPolicy>("--subject") { Description = "Which face an image is about: center (default), largest, all.", DefaultValueFactory = _ => SubjectPolicy.Center };
        var retry = new Option<bool>("--retry-failed") { Description = "Process again the images that failed before." };
        var shard = new Option<string?>("--shard") { Description = "Index only part I of N of the dataset (I/N, 1-based; deterministic by path), into its own library; join the parts with 'faceindex merge'." };
        var workers = new Option<int>("--workers") { Description = "Decode/detect threads (0: one per core).", DefaultValueFactory = _ => 0 };
        var library = CliOptions.Library();
        var upsample = CliOptions.Upsample(0);
        var detector = CliOptions.Detector();
        var flip = CliOptions.Flip();
        var model = CliOptions.Model();
        model.Description = "The recognition model (see 'faceindex models'; default: the library's default model, dlib for a new library). " +
            "On a dataset already indexed with another model, its faces are embedded from their stored landmarks without detecting again.";
        var json = CliOptions.Json();
        var ann = CliOptions.Ann();
        var claim = new Option<int>("--claim") { Description = "PostgreSQL library: images a worker claims at a time.", DefaultValueFactory = _ => 32 };
        var lease = new Option<double>("--lease") { Description = "PostgreSQL library: seconds a claim lasts without a heartbeat (a dead worker's images return after it).", DefaultValueFactory = _ => 120 };
        var outage = new Option<double>("--max-outage") { Description = "PostgreSQL library: seconds a worker retries while the server is away before it gives up.", DefaultValueFactory = _ => 600 };
        var command = new Command("index", "Index every face of a dataset you are licensed to use: decode, detect, landmarks, align, embed, catalog, face index (Annoy or HNSW). Resumable.")
        {
            dir, dataset, licence, source, consent, citation, layout, manifest, subject, retry, shard, workers, library, upsample, detector, flip, model, ann, json, claim, lease, outage,
        };
        command.Subcommands.Add(PgCommands.IndexBuild());
        command.SetAction((parse, cancellationToken) =>
        {
            var root = parse.GetValue(dir)!.FullName;
            var layoutText = parse.GetValue(layout);
            var parsedLayout = layoutText is null ? (DatasetLayout?)null : DatasetInfo.ParseLayout(layoutText)
                ?? throw new FaceIndexException($"--layout {layoutText} is not one of identity-folders, flat, csv");
            var info = DatasetInfo.Resolve(root, new DatasetOptions
            {
                Name = parse.GetValue(dataset),
                Licence = parse.GetValue(licence),
                SourceUrl = parse.GetValue(source),
                ConsentBasis = parse.GetValue(consent),
                Citation = parse.GetValue(citation),
                Layout = parsedLayout,
                Manifest = parse.GetValue(manifest),
                Registered = name => FaceIndex.Catalog.CatalogFactory.RegisteredDataset(parse.GetValue(library)!, name, StderrLogger.Instance),
            });
            if (FaceIndex.Catalog.Postgres.PgLibrary.IsPostgres(parse.GetValue(library)))
            {
                if (parse.GetValue(shard) is not null)
                {
                    throw new FaceIndexException("--shard is for SQLite libraries on machines without a database server; workers on a PostgreSQL library share the work by themselves: drop --shard");
                }

                if (parse.GetValue(model) is { } named && !string.Equals(named.Trim(), Embedding.Onnx.ModelRegistry.DlibName, StringComparison.OrdinalIgnoreCase))
                {
                    throw new FaceIndexException($"--model {named}: a PostgreSQL library holds dlib's embeddings only for now; drop --model, or index into a SQLite library folder (--library DIR), which can hold several models");
                }

                using var pgEngine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = parse.GetValue(flip) }));
                return Task.FromResult(PgCommands.Index(
                    parse.GetValue(library)!,
                    info,
                    root,
                    pgEngine,
                    new IndexerOptions(Workers: parse.GetValue(workers), Upsample: parse.GetValue(upsample), Subject: parse.GetValue(subject), RetryFailed: parse.GetValue(retry), Detector: DetectorKinds.Parse(parse.GetValue(detector)!)),
                    parse.GetValue(claim),
                    parse.GetValue(lease),
                    parse.GetValue(outage),
                    parse.GetValue(json),
                    cancellationToken));
            }

            var libraryDir = Path.GetFullPath(parse.GetValue(library)!);
            Directory.CreateDirectory(libraryDir);
            using var catalog = FaceCatalog.Open(libraryDir);
            var (registered, flipOn) = LibraryModels.Resolve(catalog, parse.GetValue(model), parse.GetValue(flip));
            using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = flipOn || parse.GetValue(flip) }, Model: registered));
            var indexer = new DatasetIndexer(engine, catalog, new IndexerOptions(
                Workers: parse.GetValue(workers),
                Upsample: parse.GetValue(upsample),
                Subject: parse.GetValue(subject),
                RetryFailed: parse.GetValue(retry),
                Shard: parse.GetValue(shard) is { } shardText ? ShardSpec.Parse(shardText) : null,
                Detector: DetectorKinds.Parse(parse.GetValue(detector)!)));
            var asJson = parse.GetValue(json);
            if (!asJson)
            {
                AnsiConsole.MarkupLine($"indexing [bold]{Markup.Escape(info.Name)}[/] ({Markup.Escape(info.Licence)}) from {Markup.Escape(root)} into {Markup.Escape(libraryDir)} with model {Markup.Escape(engine.Embedder.ModelId)}");
            }

            var summary = asJson || Console.IsOutputRedirected
                ? indexer.Run(info, root, null, cancellationToken)
                : RunWithProgress(indexer, info, root, cancellationToken);
            var meta = FaceSearchIndex.BuildIfChanged(catalog, engine.Embedder.ModelId, CliOptions.SearchFor(FaceSearchIndex.FolderFor(catalog, engine.Embedder.ModelId), parse.GetValue(ann)), log: asJson ? null : m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(new { summary, index = meta }, CliJson.Options));
            }
            else
            {
                Render(summary);
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    private static IndexSummary RunWithProgress(DatasetIndexer indexer, DatasetInfo info, string root, CancellationToken cancellationToken)
    {
        IndexSummary? summary = null;
        AnsiConsole.Progress()
            .AutoClear(false)
            .HideCompleted(false)
            .Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn(), new SpinnerColumn())
            .Start(context =>
            {
                var task = context.AddTask("images", maxValue: 1);
                var progress = new SynchronousProgress<IndexProgress>(p =>
                {
                    task.MaxValue = Math.Max(1, p.Total);
                    task.Value = p.Done;
                    task.Description = string.Create(
                        CultureInfo.InvariantCulture,
                        $"{p.Done:N0}/{p.Total:N0} images  {p.ImagesPerSecond:F1}/s  {p.Faces:N0} faces  {p.NoFace:N0} no face  {p.Failed:N0} failed  {p.Skipped:N0} skipped");
                });
                summary = indexer.Run(info, root, progress, cancellationToken);
                task.Value = task.MaxValue;
            });
        return summary!;
    }

    private static void Render(IndexSummary s)
    {
        var table = new Table().AddColumns("images", "processed", "skipped (unchanged)", "blocked (removed)", "faces", "no face", "failed", "images/s", "time");
        table.AddRow(
            s.Total.ToString("N0", CultureInfo.InvariantCulture),
            s.Processed.ToString("N0", CultureInfo.InvariantCulture),
            s.Skipped.ToString("N0", CultureInfo.InvariantCulture),
            s.Blocked.ToString("N0", CultureInfo.InvariantCulture),
            s.Faces.ToString("N0", CultureInfo.InvariantCulture),
            s.NoFace.ToString("N0", CultureInfo.InvariantCulture),
            s.Failed.ToString("N0", CultureInfo.InvariantCulture),
            s.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture),
            $"{s.Elapsed.TotalSeconds:F1} s");
        AnsiConsole.Write(table);
        if (s.ReEmbeddedFaces > 0 || s.ReEmbedSkipped.Count > 0)
        {
            AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "embedded {0:N0} faces of {1:N0} images already indexed with another model from their stored landmarks (no detection){2}",
                s.ReEmbeddedFaces, s.ReEmbeddedImages, Markup.Escape(s.ReEmbedSkipped.Count == 0 ? string.Empty : "; left without: " + string.Join(", ", s.ReEmbedSkipped.Select(kv => $"{kv.Key} {kv.Value}"))));
        }

        if (s.FailuresByReason.Count > 0)
        {
            var failures = new Table().AddColumns("failed: reason", "images");
            foreach (var (reason, count) in s.FailuresByReason)
            {
                failures.AddRow(Markup.Escape(reason), count.ToString(CultureInfo.InvariantCulture));
            }

            AnsiConsole.Write(failures);
            AnsiConsole.MarkupLine("'faceindex info --errors' lists each failed image and why; rerun with --retry-failed after fixing them.");
        }
    }

    /// <summary>Reports on the caller's thread (Progress&lt;T&gt; posts to the thread pool, out of order).</summary>
    private sealed class SynchronousProgress<T>(Action<T> report) : IProgress<T>
    {
        private readonly Lock _gate = new();

        public void Report(T value)
        {
            lock (_gate)
            {
                report(value);
            }
        }
    }
}
