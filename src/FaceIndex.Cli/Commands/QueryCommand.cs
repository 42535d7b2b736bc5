using System.CommandLine;
using System.Globalization;
using System.Text;
using System.Text.Json;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex query PHOTO... | DIR | --list FILE</c>: the k most similar indexed faces for each face of a photo (or of many: <see cref="QueryBatch"/>).</summary>
internal static class QueryCommand
{
    public static Command Create()
    {
        var photo = new Argument<string[]>("photo") { Description = "The query photo; several photos or a folder query them all in one run (models loaded once).", Arity = ArgumentArity.ZeroOrMore };
        var list = new Option<FileInfo?>("--list") { Description = "A text file of query photos, one path a line (relative to the file's folder)." };
        var subject = new Option<SubjectPolicy?>("--subject") { Description = "Which faces of each photo are queried: all (default), center (LFW-style probes), largest." };
        var workers = new Option<int>("--workers") { Description = "Photos analysed at once in a many-photo run (0: one per core).", DefaultValueFactory = _ => 0 };
        var k = new Option<int>("-k", "--k") { Description = "How many results per query face.", DefaultValueFactory = _ => 10 };
        var face = new Option<int?>("--face") { Description = "Query only face N of the photo (numbered from the left, from 0)." };
        var largest = new Option<bool>("--largest") { Description = "Query only the photo's largest face." };
        var dataset = new Option<string?>("--dataset") { Description = "Search only this dataset." };
        var faceId = new Option<long?>("--face-id") { Description = "Query by an indexed face's id instead of a photo." };
        var image = new Option<string?>("--image") { Description = "Query by an indexed image (its path inside --dataset) instead of a photo." };
        var csv = new Option<bool>("--csv") { Description = "Print CSV." };
        var html = new Option<FileInfo?>("--html") { Description = "Write a self-contained HTML page with the faces side by side." };
        var json = CliOptions.Json();
        var library = CliOptions.Library();
        var upsample = CliOptions.Upsample(1);
        var detector = CliOptions.Detector();
        var flip = CliOptions.Flip();
        var model = CliOptions.Model();
        model.Description = "The model to query with (see 'faceindex models'; default: the library's default model, the one it was first indexed with). The library must hold its embeddings ('faceindex index DIR --dataset D --model NAME' adds them).";
        var threshold = new Option<double?>("--threshold") { Description = "Same person below this distance; for a cosine model (faceplugin), above this cosine similarity (default: the library's calibration, else the model's default: dlib's 0.6)." };
        var by = new Option<string>("--by") { Description = "face (rank faces, default) or identity (rank labelled identities by --template).", DefaultValueFactory = _ => "face" };
        var template = new Option<IdentityTemplate>("--template") { Description = "With --by identity: max (best face, default), topk (mean of its --topk nearest faces) or mean (distance to its mean embedding).", DefaultValueFactory = _ => IdentityTemplate.Max };
        var topK = new Option<int>("--topk") { Description = "k of the topk template (default 3).", DefaultValueFactory = _ => 3 };
        var indexDir = new Option<string?>("--index") { Description = "With a PostgreSQL --library: the index folder made by 'index build' (faces added since are searched exactly)." };
        var command = new Command("query", "Find the most similar indexed faces to each face in a photo (or to an indexed face or image).")
        {
            photo, list, subject, workers, k, face, largest, dataset, faceId, image, csv, html, json, library, upsample, detector, flip, model, threshold, by, template, topK, indexDir,
        };
        command.SetAction((parse, cancellationToken) =>
        {
            var count = parse.GetValue(k);
            if (count <= 0)
            {
                throw new FaceIndexException($"-k {count}: give a positive number of results");
            }

            var options = new FaceLibraryOptions(
                new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = parse.GetValue(flip) }),
                parse.GetValue(upsample),
                Log: m => Console.Error.WriteLine($"faceindex: {m}"),
                Detector: DetectorKinds.Parse(parse.GetValue(detector)!));
            var libraryPath = parse.GetValue(library)!;
            if (FaceIndex.Catalog.Postgres.PgLibrary.IsPostgres(libraryPath))
            {
                if (parse.GetValue(model) is { } named && !string.Equals(named.Trim(), Embedding.Onnx.ModelRegistry.DlibName, StringComparison.OrdinalIgnoreCase))
                {
                    throw new FaceIndexException($"--model {named}: a PostgreSQL library holds dlib's embeddings only for now; drop --model");
                }

                libraryPath = PgCommands.SyncForQuery(libraryPath, parse.GetValue(indexDir));
            }

            using var lib = FaceLibrary.OpenForModel(libraryPath, parse.GetValue(model), options);
            lib.ThresholdOverride = parse.GetValue(threshold);
            var photos = parse.GetValue(photo) ?? [];
            if (QueryIdentityOutput.Wanted(parse.GetValue(by)))
            {
                QueryIdentityOutput.RefuseFaceOutputs(parse.GetValue(csv), parse.GetValue(html) is not null);
                if (photos.Length > 1 || parse.GetValue(list) is not null)
                {
                    throw new FaceIndexException("--by identity queries one photo or face; for many photos use --by face with --csv or --json");
                }

                var single = photos.Length == 1 ? new FileInfo(photos[0]) : null;
                return Task.FromResult(QueryIdentityOutput.Run(lib, single, parse.GetValue(faceId), parse.GetValue(dataset), parse.GetValue(template), count, parse.GetValue(topK), parse.GetValue(upsample), parse.GetValue(face), parse.GetValue(json)));
            }

            if (photos.Length > 1 || (photos.Length == 1 && Directory.Exists(photos[0])) || parse.GetValue(list) is not null)
            {
                if (parse.GetValue(html) is not null || parse.GetValue(faceId) is not null || parse.GetValue(image) is not null)
                {
                    throw new FaceIndexException("--html, --face-id and --image query one photo or face; for many photos use --csv or --json (or 'faceindex serve' for pages)");
                }

                var policy = parse.GetValue(largest) ? SubjectPolicy.Largest : parse.GetValue(subject) ?? SubjectPolicy.All;
                return Task.FromResult(QueryBatch.Run(lib, photos, parse.GetValue(list)?.FullName, new PhotoQueryOptions(count, policy, parse.GetValue(face), parse.GetValue(dataset)),
                    parse.GetValue(workers), parse.GetValue(json) ? QueryBatch.Format.Json : parse.GetValue(csv) ? QueryBatch.Format.Csv : QueryBatch.Format.Table, cancellationToken));
            }

            QueryResult result;
            if (parse.GetValue(faceId) is { } id)
            {
                var stored = lib.Catalog.GetFace(id) ?? throw new FaceIndexException($"no face with id {id} (removed, or never indexed)");
                result = new QueryResult($"face:{id}", 0, 0, [new QueryFace(stored.FaceIndex, stored.Box, stored.Score, lib.QueryByFaceId(id, count, parse.GetValue(dataset)))]);
            }
            else if (parse.GetValue(image) is { } relPath)
            {
                var name = parse.GetValue(dataset) ?? throw new FaceIndexException("--image needs --dataset NAME: the path is relative to that dataset's folder");
                var stored = lib.Catalog.GetImage(name, relPath) ?? throw new FaceIndexException($"{relPath} is not indexed in dataset {name}: check the path (relative to the dataset folder) and 'faceindex datasets'");
                var faces = lib.Catalog.FacesOfImage(stored.Id);
                if (faces.Count == 0)
                {
                    throw new FaceIndexException($"{relPath} in {name} has no faces (status {stored.Status})");
                }

                result = new QueryResult($"{name}/{relPath}", stored.Width, stored.Height, [.. faces.Select(f => new QueryFace(f.FaceIndex, f.Box, f.Score, lib.QueryByFaceId(f.Id, count)))]) { Threshold = lib.SameThreshold() };
            }
            else
            {
                // The same analysis and search as a many-photo run and the server: the JSON carries each face's landmarks.
                var file = photos.Length == 1 ? Path.GetFullPath(photos[0]) : throw new FaceIndexException("give a PHOTO, or --face-id ID, or --image PATH --dataset NAME");
                var policy = parse.GetValue(largest) ? SubjectPolicy.Largest : parse.GetValue(subject) ?? SubjectPolicy.All;
                result = lib.Search(lib.AnalyzeFile(file, cancellationToken), new PhotoQueryOptions(count, policy, parse.GetValue(face), parse.GetValue(dataset)));
            }

            result = result with { Threshold = result.Threshold ?? lib.SameThreshold(parse.GetValue(dataset)) };
            if (parse.GetValue(html) is { } page)
            {
                var roots = lib.Catalog.Datasets().ToDictionary(d => d.Info.Name, d => d.RootPath, StringComparer.Ordinal);
                QueryHtmlReport.Write(page.FullName, result, lib.Engine.Decoder, n => roots.GetValueOrDefault(n));
                Console.Error.WriteLine($"faceindex: wrote {page.FullName}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            }
            else if (parse.GetValue(csv))
            {
                Console.Write(Csv(result));
            }
            else
            {
                Render(result);
            }

            return Task.FromResult(Program.Success);
        });
        return command;
    }

    private static string Csv(QueryResult result)
    {
        var sb = new StringBuilder("query_face,rank,face_id,dataset,identity,image,left,top,right,bottom,distance,similarity,same_person,threshold,threshold_source\n");
        var t = result.Threshold!;
        foreach (var face in result.Faces)
        {
            foreach (var h in face.Hits)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{face.FaceIndex},{h.Rank},{h.FaceId},{Quote(h.Dataset)},{Quote(h.Identity ?? string.Empty)},{Quote(h.ImagePath)},{h.Box.Left},{h.Box.Top},{h.Box.Right},{h.Box.Bottom},{h.Distance:F5},{h.Similarity:F5},{(h.SamePerson ? 1 : 0)},{t.Value:0.#####},{Quote(t.Origin.ToString())}\n");
            }
        }

        return sb.ToString();
    }

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static void Render(QueryResult result)
    {
        AnsiConsole.MarkupLine($"same person below distance {Markup.Escape(result.Threshold!.Description)}");
        foreach (var face in result.Faces)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(result.Photo))}[/] face {face.FaceIndex} at ({face.Box.Left},{face.Box.Top},{face.Box.Right},{face.Box.Bottom})");
            var table = new Table().AddColumns("rank", "identity", "image", "box", "distance", "similarity", "same?");
            foreach (var h in face.Hits)
            {
                table.AddRow(
                    h.Rank.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(h.Identity ?? "-"),
                    Markup.Escape($"{h.Dataset}/{h.ImagePath}"),
                    $"{h.Box.Left},{h.Box.Top},{h.Box.Right},{h.Box.Bottom}",
                    h.Distance.ToString("F4", CultureInfo.InvariantCulture),
                    h.Similarity.ToString("F4", CultureInfo.InvariantCulture),
                    h.SamePerson ? "[green]yes[/]" : "no");
            }

            AnsiConsole.Write(table);
            if (face.NoIndexedIdentity)
            {
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[yellow]no indexed identity[/]: the nearest face is at {0:F4}, not below the threshold {1:0.####}", face.Hits.Count > 0 ? face.Hits[0].Distance : float.NaN, result.Threshold!.Value);
            }
        }
    }
}
