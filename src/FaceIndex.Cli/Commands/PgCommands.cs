using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Catalog.Postgres;
using FaceIndex.Datasets;
using FaceIndex.Indexing;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>The commands of a PostgreSQL library: a cooperating <c>index</c> worker, <c>status</c>, <c>index build</c>.</summary>
internal static class PgCommands
{
    /// <summary>Opens the catalog named by --library, with the lease and outage given.</summary>
    public static PgCatalog Open(string library, double leaseSeconds = 0, double maxOutageSeconds = 0) =>
        PgCatalog.Open(PgLibrary.Parse(library), new PgCatalogOptions(TimeSpan.FromSeconds(maxOutageSeconds), TimeSpan.FromSeconds(leaseSeconds)), StderrLogger.Instance);

    /// <summary><c>index DIR --library postgresql://...</c>: one cooperating worker.</summary>
    public static int Index(
        string library, DatasetInfo info, string root, FaceEngine engine, IndexerOptions options, int claim, double leaseSeconds, double maxOutageSeconds, bool asJson, CancellationToken cancellationToken)
    {
        using var catalog = Open(library, leaseSeconds, maxOutageSeconds);
        var indexer = new DistributedIndexer(engine, catalog, options, claim);
        if (!asJson)
        {
            AnsiConsole.MarkupLine($"worker {Markup.Escape(Environment.MachineName)}:{Environment.ProcessId} indexing [bold]{Markup.Escape(info.Name)}[/] ({Markup.Escape(info.Licence)}) from {Markup.Escape(root)} into {Markup.Escape(catalog.Library.Display)}");
        }

        IndexSummary summary;
        if (asJson || Console.IsOutputRedirected)
        {
            summary = indexer.Run(info, root, null, cancellationToken);
        }
        else
        {
            summary = null!;
            AnsiConsole.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new SpinnerColumn())
                .Start(context =>
                {
                    var task = context.AddTask("images", maxValue: 1);
                    var progress = new Progress<IndexProgress>(p =>
                    {
                        task.MaxValue = Math.Max(1, p.Total);
                        task.Value = p.Done;
                        task.Description = string.Create(CultureInfo.InvariantCulture, $"{p.Done:N0} of {p.Total:N0} outstanding  {p.ImagesPerSecond:F1}/s  {p.Faces:N0} faces");
                    });
                    summary = indexer.Run(info, root, progress, cancellationToken);
                    task.Value = task.MaxValue;
                });
        }

        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { summary }, CliJson.Options));
        }
        else
        {
            AnsiConsole.MarkupLine(string.Create(
                CultureInfo.InvariantCulture,
                $"this worker: {summary.Processed:N0} images, {summary.Faces:N0} faces, {summary.NoFace:N0} no face, {summary.Failed:N0} failed, {summary.Blocked:N0} blocked, {summary.ImagesPerSecond:F1} images/s. 'faceindex status --library ...' shows every worker; 'faceindex index build --library ... --out DIR' builds the face index."));
        }

        return Program.Success;
    }

    /// <summary><c>faceindex status --library postgresql://...</c>.</summary>
    public static Command Status()
    {
        var library = CliOptions.Library();
        var json = CliOptions.Json();
        var command = new Command("status", "A PostgreSQL library's indexing: workers (host, pid, images/s, heartbeat), pending/claimed/done/failed images, ETA.") { library, json };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(library)!;
            if (!PgLibrary.IsPostgres(name))
            {
                throw new FaceIndexException($"status reports on a PostgreSQL library (--library postgresql://user@host:port/db); {name} is a folder: use 'faceindex info' for it");
            }

            using var catalog = Open(name);
            var status = catalog.Status();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(status, CliJson.Options));
                return Program.Success;
            }

            var images = new Table().AddColumns("dataset", "images", "pending", "claimed", "done", "failed", "removed", "faces");
            foreach (var d in status.Datasets)
            {
                images.AddRow(Markup.Escape(d.Dataset), N(d.Total), N(d.Pending), N(d.Claimed), N(d.Done), N(d.Failed), N(d.Removed), N(d.Faces));
            }

            AnsiConsole.Write(images);
            var workers = new Table().AddColumns("run", "dataset", "host", "pid", "images", "images/s", "last heartbeat", "state");
            foreach (var w in status.Workers)
            {
                workers.AddRow(
                    w.RunId.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(w.Dataset),
                    Markup.Escape(w.Host ?? "?"),
                    w.Pid?.ToString(CultureInfo.InvariantCulture) ?? "?",
                    N(w.ImagesDone),
                    w.ImagesPerSecond.ToString("F1", CultureInfo.InvariantCulture),
                    w.Heartbeat?.ToString("u", CultureInfo.InvariantCulture) ?? "never",
                    w.Alive ? "working" : "silent (lease expired: presumably gone)");
            }

            AnsiConsole.Write(workers);
            AnsiConsole.MarkupLine(status.Eta switch
            {
                null => "ETA: unknown (no live worker)",
                { } eta when eta == TimeSpan.Zero => "nothing pending",
                { } eta => $"ETA: {eta:d\\.hh\\:mm\\:ss} at the live workers' rate",
            });
            return Program.Success;
        });
        return command;
    }

    /// <summary><c>faceindex index build --library postgresql://... --out DIR</c>: one builder at a time.</summary>
    public static Command IndexBuild()
    {
        var library = CliOptions.Library();
        var output = new Option<string>("--out") { Description = "The index folder to write (a local copy of the faces plus the HNSW or Annoy files); give it to 'query --index'.", Required = true };
        var ann = CliOptions.Ann();
        var json = CliOptions.Json();
        var command = new Command("build", "Build the face index of a PostgreSQL library into a folder (one builder at a time, a PostgreSQL advisory lock).") { library, output, ann, json };
        command.SetAction((parse, cancellationToken) =>
        {
            var name = parse.GetValue(library)!;
            if (!PgLibrary.IsPostgres(name))
            {
                throw new FaceIndexException($"index build is for a PostgreSQL library (--library postgresql://...); a folder library {name} builds its index itself ('faceindex info --rebuild')");
            }

            var dir = Path.GetFullPath(parse.GetValue(output)!);
            using var catalog = Open(name);
            using var builderLock = catalog.TryBuilderLock()
                ?? throw new FaceIndexException($"another 'index build' is running on {catalog.Library.Display}: wait for it to finish (one builder at a time)");
            var clock = System.Diagnostics.Stopwatch.StartNew();
            using var mirror = FaceIndex.Catalog.FaceCatalog.Open(dir);
            var sync = PgMirror.Sync(catalog, mirror, cancellationToken);
            var synced = clock.Elapsed;
            var model = PgModel(mirror);
            var meta = FaceSearchIndex.Build(mirror, model, CliOptions.SearchFor(dir, parse.GetValue(ann)), log: parse.GetValue(json) ? null : m => AnsiConsole.MarkupLine(Markup.Escape(m)));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { sync, copySeconds = synced.TotalSeconds, buildSeconds = (clock.Elapsed - synced).TotalSeconds, index = meta }, CliJson.Options));
            }
            else
            {
                AnsiConsole.MarkupLine(string.Create(
                    CultureInfo.InvariantCulture,
                    $"{Markup.Escape(dir)}: {meta.Items:N0} faces up to face id {meta.MaxFaceId:N0} ({(meta.IsHnsw ? "HNSW" : "Annoy")}); copied {sync.FacesCopied:N0} faces, deleted {sync.FacesDeleted:N0} removed ones in {synced.TotalSeconds:F1} s, built in {(clock.Elapsed - synced).TotalSeconds:F1} s"));
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    /// <summary>For <c>query --library postgresql://... --index DIR</c>: brings the index folder's copy up to date (faces
    /// added since the build are then searched exactly, removed ones are gone) and returns the folder to query.</summary>
    public static string SyncForQuery(string library, string? indexDir)
    {
        if (indexDir is null)
        {
            throw new FaceIndexException("a PostgreSQL library is queried through an index folder: add --index DIR (made by 'faceindex index build --library ... --out DIR')");
        }

        var dir = Path.GetFullPath(indexDir);
        using var catalog = Open(library);
        PgMirrorFollower.SyncOnce(catalog, dir);
        return dir;
    }

    /// <summary>For <c>serve --library postgresql://... --index DIR</c>: syncs the index folder now and then every
    /// <paramref name="interval"/> while the server runs.</summary>
    public static PgMirrorFollower Follow(string library, string? indexDir, TimeSpan interval, CancellationToken cancellationToken)
    {
        if (indexDir is null)
        {
            throw new FaceIndexException("a PostgreSQL library is served through an index folder: add --index DIR (made by 'faceindex index build --library ... --out DIR')");
        }

        var catalog = Open(library);
        try
        {
            return PgMirrorFollower.Start(catalog, indexDir, interval, StderrLogger.Instance, cancellationToken);
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary><c>remove --library postgresql://...</c>: at once, and honoured by running workers at their next commit.</summary>
    public static int Remove(string library, string dataset, string? identity, string? image, string? reason, bool asJson)
    {
        using var catalog = Open(library);
        var kind = identity is not null ? FaceIndex.Catalog.RemovalKind.Identity : FaceIndex.Catalog.RemovalKind.Image;
        var value = identity ?? image!;
        var (faces, images) = catalog.Remove(dataset, kind, value, reason);
        if (asJson)
        {
            Console.WriteLine(JsonSerializer.Serialize(new { dataset, kind, value, reason, facesRemoved = faces, imagesRemoved = images }, CliJson.Options));
        }
        else
        {
            AnsiConsole.MarkupLine(Markup.Escape(string.Create(
                CultureInfo.InvariantCulture,
                $"removed {kind.ToString().ToLowerInvariant()} '{value}' from {dataset}: {faces} face(s) in {images} image(s); never claimed again, refused by running workers, dropped from index folders at their next query")));
        }

        return Program.Success;
    }

    private static string PgModel(FaceIndex.Catalog.FaceCatalog mirror) => PgMirror.ModelOf(mirror);

    private static string N(long n) => n.ToString("N0", CultureInfo.InvariantCulture);
}
