using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Evaluation;
using FaceIndex.Removal;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex datasets</c>, <c>faceindex info</c> and <c>faceindex remove</c>: what is indexed, under which licence, and removal requests.</summary>
internal static class LibraryCommands
{
    public static Command Datasets()
    {
        var library = CliOptions.Library();
        var json = CliOptions.Json();
        var command = new Command("datasets", "List the indexed datasets with their licence, source, consent basis and counts.") { library, json };
        command.SetAction(parse =>
        {
            using var catalog = CatalogFactory.OpenReader(parse.GetValue(library)!, StderrLogger.Instance);
            var rows = catalog.Datasets().Select(d =>
            {
                var counts = catalog.CountByStatus(d.Info.Name);
                return new
                {
                    name = d.Info.Name,
                    licence = d.Info.Licence,
                    source = d.Info.SourceUrl,
                    consent = d.Info.ConsentBasis,
                    citation = d.Info.Citation,
                    layout = d.Info.Layout.ToString(),
                    root = d.RootPath,
                    images = counts.Values.Sum(),
                    ok = counts.GetValueOrDefault(ImageStatus.Ok),
                    noFace = counts.GetValueOrDefault(ImageStatus.NoFace),
                    failed = counts.GetValueOrDefault(ImageStatus.Failed),
                    removals = catalog.Removals(d.Info.Name).Count,
                };
            }).ToList();
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(rows, CliJson.Options));
                return Program.Success;
            }

            var table = new Table().AddColumns("dataset", "licence", "source", "consent basis", "images", "ok", "no face", "failed", "removals");
            foreach (var r in rows)
            {
                table.AddRow(Markup.Escape(r.name), Markup.Escape(r.licence), Markup.Escape(r.source ?? "-"), Markup.Escape(r.consent ?? "-"),
                    N(r.images), N(r.ok), N(r.noFace), N(r.failed), N(r.removals));
            }

            AnsiConsole.Write(table);
            return Program.Success;
        });
        return command;
    }

    public static Command Info()
    {
        var library = CliOptions.Library();
        var json = CliOptions.Json();
        var errors = new Option<bool>("--errors") { Description = "List every failed image with its reason." };
        var rebuild = new Option<bool>("--rebuild") { Description = "Rebuild the face index (every model's) from the catalog now (with --ann, as that kind)." };
        var ann = CliOptions.Ann();
        var cache = EvaluationCacheOption();
        var indexDir = new Option<string?>("--index") { Description = "With a PostgreSQL --library: the index folder made by 'index build', to report on it and the faces added since." };
        var command = new Command("info", "The library: faces, the index (kind, parameters, measured recall@10), runs, removals (and a search for their bytes), failures.") { library, json, errors, rebuild, ann, cache, indexDir };
        command.SetAction(parse =>
        {
            var name = parse.GetValue(library)!;
            if (CatalogFactory.IsPostgres(name) && parse.GetValue(rebuild))
            {
                throw new FaceIndexException("--rebuild rebuilds a folder library's index; a PostgreSQL library's index is built into a folder by 'faceindex index build --library ... --out DIR'");
            }

            // A reader unless asked to rebuild: it takes no lock, so it answers while an indexer runs.
            using var catalog = parse.GetValue(rebuild) ? FaceLibrary.OpenCatalog(name) : CatalogFactory.OpenReader(name, StderrLogger.Instance);

            // The SQLite file's own checks and the byte search over its files; PostgreSQL enforces its constraints itself.
            var sqlite = catalog as FaceCatalog;
            if (parse.GetValue(rebuild))
            {
                var modelId = FaceSearchIndex.ReadMeta(sqlite!.Library)?.ModelId ?? Embedding.DlibResNetEmbedder.BaseModelId;
                FaceSearchIndex.Build(sqlite, modelId, CliOptions.SearchFor(sqlite.Library, parse.GetValue(ann)), log: m => Console.Error.WriteLine($"faceindex: {m}"));
                foreach (var other in LibraryModels.Describe(sqlite).Where(m => !m.IsDefault && m.ModelId != modelId))
                {
                    FaceSearchIndex.Build(sqlite, other.ModelId, CliOptions.SearchFor(other.IndexFolder, parse.GetValue(ann)), log: m => Console.Error.WriteLine($"faceindex: {m}"));
                }
            }

            var indexFolder = sqlite?.Library ?? parse.GetValue(indexDir);
            var meta = indexFolder is null ? null : FaceSearchIndex.ReadMeta(Path.GetFullPath(indexFolder)) is { } read ? LibraryModels.WithTrueMetric(sqlite?.Library, read) : null;
            var delta = meta is null ? catalog.FaceCount() : catalog.CountFacesAfter(meta.MaxFaceId);
            var check = sqlite?.Check();
            var failed = parse.GetValue(errors) ? catalog.FailedImages() : [];
            var traces = sqlite is not null && catalog.Removals().Count > 0 ? RemovalEraser.Verify(sqlite, parse.GetValue(cache)?.FullName ?? SubjectEmbeddings.DefaultCacheDirectory) : null;
            var info = new
            {
                library = catalog.Location,
                faces = catalog.FaceCount(),
                statuses = catalog.CountByStatus().ToDictionary(kv => kv.Key.ToString(), kv => kv.Value),
                failuresByReason = catalog.CountByFailureReason(),
                index = meta,
                facesSinceBuild = delta,
                runs = catalog.Runs(),
                removals = catalog.Removals(),
                defaultModel = sqlite?.DefaultModelId(),
                models = sqlite is null ? [] : LibraryModels.Describe(sqlite),
                calibrations = catalog.CurrentCalibrations().Select(c => new { c.Id, c.ModelId, c.Dataset, c.Threshold, c.Chosen, c.Source, c.CreatedAt }).ToList(),
                integrity = check is null ? "enforced by the PostgreSQL server" : check.IsOk ? "ok" : string.Join("; ", check.IntegrityProblems.Concat(check.ForeignKeyProblems)),
                removalTraces = traces,
                failed,
            };
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(info, CliJson.Options));
                return Program.Success;
            }

            var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
            grid.AddRow("library", Markup.Escape(info.library));
            grid.AddRow("faces", N(info.faces));
            grid.AddRow("images", Markup.Escape(string.Join(", ", info.statuses.Select(kv => $"{kv.Key} {kv.Value:N0}"))));
            grid.AddRow("index", meta is null
                ? sqlite is null && indexFolder is null ? "in index folders ('index build --out DIR'; add --index DIR to report on one)" : "not built"
                : Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{meta.Items:N0} faces, {meta.Describe()}, recall@10 {meta.RecallAt10:F3} (on {meta.RecallQueries} indexed faces vs exact search, each face itself not counted; {meta.Tuning}), {meta.IndexFile} {meta.IndexBytes / 1048576.0:F1} MiB, built {meta.BuiltAt:yyyy-MM-dd HH:mm} UTC, model {meta.ModelId}")));
            grid.AddRow("since build", $"{N(delta)} faces (searched exactly until the next build)");
            grid.AddRow("models", Markup.Escape(sqlite is null ? "per index folder ('index build --out DIR')" : info.models.Count == 0 ? "none yet" : string.Join("; ", info.models.Select(m => string.Create(CultureInfo.InvariantCulture,
                $"{m.ModelId}{(m.IsDefault ? " (default)" : string.Empty)}: {m.Faces:N0} faces, {(m.Index is null ? "index not built" : $"index of {m.Index.Items:N0}")} in {Path.GetRelativePath(sqlite.Library, m.IndexFolder)}")))));
            grid.AddRow("integrity", Markup.Escape(info.integrity));
            grid.AddRow("threshold", info.calibrations.Count == 0
                ? Markup.Escape(string.Create(CultureInfo.InvariantCulture, $"{meta?.ModelId ?? "the model"}: {FaceDistance.SameThreshold} (dlib's default; no calibration, 'faceindex calibrate' fits one)"))
                : Markup.Escape(string.Join("; ", info.calibrations.Select(c => string.Create(CultureInfo.InvariantCulture,
                    $"{c.ModelId}{(c.Dataset is null ? string.Empty : $" on {c.Dataset}")}: {c.Threshold:0.####} ({c.Chosen} on {c.Source}, {c.CreatedAt:yyyy-MM-dd HH:mm} UTC, #{c.Id})")))));
            AnsiConsole.Write(grid);
            if (info.failuresByReason.Count > 0)
            {
                AnsiConsole.MarkupLine("failed images by reason: " + Markup.Escape(string.Join(", ", info.failuresByReason.Select(kv => $"{kv.Key} {kv.Value}"))));
            }

            if (info.removals.Count > 0)
            {
                var table = new Table().AddColumns("removed", "dataset", "what", "faces", "when (UTC)", "reason");
                foreach (var r in info.removals)
                {
                    table.AddRow(r.Kind.ToString(), Markup.Escape(r.Dataset), Markup.Escape(r.Value), N(r.FacesRemoved), r.RequestedAt.ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture), Markup.Escape(r.Reason ?? "-"));
                }

                AnsiConsole.Write(table);
            }

            if (traces is not null)
            {
                RemovalRender.Write(traces);
            }

            if (failed.Count > 0)
            {
                var table = new Table().AddColumns("failed image", "reason", "message");
                foreach (var f in failed)
                {
                    table.AddRow(Markup.Escape($"{f.Dataset}/{f.RelPath}"), Markup.Escape(f.ErrorReason ?? "-"), Markup.Escape(f.Error ?? "-"));
                }

                AnsiConsole.Write(table);
            }

            return Program.Success;
        });
        return command;
    }

    public static Command Remove()
    {
        var library = CliOptions.Library();
        var dataset = new Option<string>("--dataset") { Description = "The dataset the removal applies to.", Required = true };
        var identity = new Option<string?>("--identity") { Description = "Remove every face of this identity." };
        var image = new Option<string?>("--image") { Description = "Remove the faces of this image (its path inside the dataset)." };
        var reason = new Option<string?>("--reason") { Description = "Why (recorded with the removal)." };
        var json = CliOptions.Json();
        var verify = new Option<bool>("--verify") { Description = "Afterwards, search every file FaceIndex writes (catalog, face index, evaluation cache, noted exports) for the removed embeddings' bytes, and say where it looked." };
        var cache = EvaluationCacheOption();
        var command = new Command("remove", "Honour a removal request: delete an identity's or an image's faces at once (secure delete, index rebuilt, evaluation cache scrubbed), log it, and block them from coming back.")
        {
            library, dataset, identity, image, reason, verify, cache, json,
        };
        command.SetAction(parse =>
        {
            var who = parse.GetValue(identity);
            var what = parse.GetValue(image);
            if ((who is null) == (what is null))
            {
                Console.Error.WriteLine("faceindex: give exactly one of --identity NAME or --image PATH");
                return Program.Usage;
            }

            if (FaceIndex.Catalog.Postgres.PgLibrary.IsPostgres(parse.GetValue(library)))
            {
                return PgCommands.Remove(parse.GetValue(library)!, parse.GetValue(dataset)!, who, what, parse.GetValue(reason), parse.GetValue(json));
            }

            using var catalog = FaceLibrary.OpenCatalog(parse.GetValue(library)!);
            var asJson = parse.GetValue(json);
            var outcome = RemovalEraser.Remove(
                catalog,
                parse.GetValue(dataset)!,
                who is not null ? RemovalKind.Identity : RemovalKind.Image,
                who ?? what!,
                parse.GetValue(reason),
                new ErasureOptions(EvaluationCache: parse.GetValue(cache)?.FullName ?? SubjectEmbeddings.DefaultCacheDirectory, Verify: parse.GetValue(verify)),
                asJson ? null : m => Console.Error.WriteLine($"faceindex: {m}"));
            var removal = outcome.Removal;

            // Results that 'serve' kept for permalinks (in the library's default results folder) lose the removed hits too.
            var results = Path.Combine(catalog.Library, "results");
            if (File.Exists(Path.Combine(results, "results.db")))
            {
                var dropped = new Web.ResultStore(results).Scrub(catalog.FilterExisting);
                if (!asJson && dropped > 0)
                {
                    Console.Error.WriteLine($"faceindex: {dropped} hit(s) of removed faces deleted from the kept search results ({results})");
                }
            }

            if (asJson)
            {
                Console.WriteLine(JsonSerializer.Serialize(outcome, CliJson.Options));
            }
            else
            {
                AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
                    $"removed {removal.Kind.ToString().ToLowerInvariant()} '{removal.Value}' from {removal.Dataset}: {removal.FacesRemoved} face(s) in {removal.ImagesRemoved} image(s); no longer returned, and blocked from re-indexing; face index {(outcome.IndexRebuilt ? "rebuilt" : "unchanged")}; {outcome.CacheEntriesDeleted} evaluation cache entr(ies) deleted")));
                if (outcome.Verification is { } v)
                {
                    RemovalRender.Write(v);
                }
            }

            if (outcome.Verification is { Clean: false })
            {
                Console.Error.WriteLine("faceindex: removed embeddings are still present in the files marked above: delete or re-create those files (an export made before the removal must be re-exported)");
                return 1;
            }

            return Program.Success;
        });
        return command;
    }

    private static Option<DirectoryInfo?> EvaluationCacheOption() => new("--cache")
    {
        Description = $"The evaluation embedding cache to scrub and search (default {SubjectEmbeddings.DefaultCacheDirectory}).",
    };

    private static string N(long value) => value.ToString("N0", CultureInfo.InvariantCulture);
}
