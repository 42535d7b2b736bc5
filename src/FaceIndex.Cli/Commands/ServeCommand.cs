using System.CommandLine;
using System.Globalization;
using FaceIndex.Embedding;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using FaceIndex.Web;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex serve</c>: the search page and HTTP API over a library (src/FaceIndex.Web does the work).</summary>
internal static class ServeCommand
{
    public static Command Create()
    {
        var library = CliOptions.Library();
        var port = new Option<int>("--port") { Description = "The port on 127.0.0.1.", DefaultValueFactory = _ => 5151 };
        var urls = new Option<string[]>("--urls") { Description = "Where to listen instead (e.g. http://0.0.0.0:8080); any non-loopback address requires the access token.", AllowMultipleArgumentsPerToken = true };
        var token = new Option<string?>("--token") { Description = "The access token (default: none on loopback; generated and printed for any other address)." };
        var keepPhotos = new Option<bool>("--keep-photos") { Description = "Keep each query photo with its permalink (default: only its face crops and embeddings)." };
        var results = new Option<DirectoryInfo?>("--results") { Description = "Where permalinks are stored (default LIBRARY/results)." };
        var reports = new Option<DirectoryInfo?>("--reports") { Description = "A folder of 'eval --report' reports to serve under /reports." };
        var maxAnalyses = new Option<int>("--max-analyses") { Description = "Photos analysed at once (0: one per core).", DefaultValueFactory = _ => 0 };
        var queue = new Option<int>("--queue") { Description = "Analyses that may wait beyond those (-1: four per running one); more get 503 + Retry-After.", DefaultValueFactory = _ => -1 };
        var maxUpload = new Option<int>("--max-upload-mb") { Description = "The largest upload, in MiB.", DefaultValueFactory = _ => 20 };
        var upsample = CliOptions.Upsample(1);
        var flip = CliOptions.Flip();
        var model = CliOptions.Model();
        model.Description = "The model queries use (default: the library's default model, the one it was first indexed with).";
        var indexDir = new Option<string?>("--index") { Description = "With a PostgreSQL --library: the index folder made by 'index build'; it is kept in step with the library while serving." };
        var syncEvery = new Option<double>("--sync-every") { Description = "With a PostgreSQL --library: seconds between syncs of the index folder (faces added since are searched exactly, removed ones dropped).", DefaultValueFactory = _ => 30 };
        var command = new Command("serve", "Serve the search page and HTTP API on a library (read-only: runs beside 'faceindex index'); bound to 127.0.0.1 unless --urls says otherwise.")
        {
            library, port, urls, token, keepPhotos, results, reports, maxAnalyses, queue, maxUpload, upsample, flip, model, indexDir, syncEvery,
        };
        command.SetAction(async (parse, cancellationToken) =>
        {
            var name = parse.GetValue(library)!;
            using var follower = FaceIndex.Catalog.CatalogFactory.IsPostgres(name)
                ? PgCommands.Follow(name, parse.GetValue(indexDir), TimeSpan.FromSeconds(Math.Max(1, parse.GetValue(syncEvery))), cancellationToken)
                : null;
            var dir = Path.GetFullPath(follower is null ? name : parse.GetValue(indexDir)!);
            Embedding.Onnx.RegisteredModel served;
            bool servedFlip;
            using (var catalog = FaceLibrary.OpenCatalog(dir, readOnly: true))
            {
                // Refuse a folder that holds no library, or a model it holds no embeddings of, before anything loads.
                (served, servedFlip) = LibraryModels.Resolve(catalog, parse.GetValue(model), parse.GetValue(flip));
                LibraryModels.EnsureEmbedded(catalog, served.ModelId(servedFlip), served.Name);
            }

            var bind = parse.GetValue(urls) is { Length: > 0 } given ? given : [string.Create(CultureInfo.InvariantCulture, $"http://127.0.0.1:{parse.GetValue(port)}")];
            var secret = parse.GetValue(token);
            var generated = false;
            if (secret is null && !AccessToken.IsLoopbackOnly(bind))
            {
                secret = AccessToken.Generate();
                generated = true;
            }

            var options = new ServeOptions
            {
                Library = dir,
                Token = secret,
                KeepPhotos = parse.GetValue(keepPhotos),
                ResultsDir = parse.GetValue(results)?.FullName,
                ReportsDir = parse.GetValue(reports)?.FullName,
                MaxAnalyses = parse.GetValue(maxAnalyses),
                QueueLimit = parse.GetValue(queue),
                MaxUploadBytes = parse.GetValue(maxUpload) * 1024L * 1024,
                Query = new FaceLibraryOptions(
                    new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = servedFlip }, Model: served),
                    parse.GetValue(upsample),
                    Log: m => Console.Error.WriteLine($"faceindex: {m}")),
            };
            Console.Error.WriteLine($"faceindex: loading the models and opening {dir} (read-only)...");
            await using var app = FaceIndexServer.Build(options, bind);
            await app.StartAsync(cancellationToken);
            foreach (var url in app.Urls)
            {
                Console.WriteLine(follower is null ? $"faceindex: serving {dir} at {url}/" : $"faceindex: serving {follower.Library} through {dir} at {url}/");
            }

            if (secret is not null)
            {
                Console.WriteLine(generated
                    ? $"faceindex: access token (generated; pass --token to choose one): {secret}"
                    : "faceindex: every request needs the access token given with --token");
                Console.WriteLine($"faceindex: in a browser open {app.Urls.First()}/?token=TOKEN once; scripts send 'Authorization: Bearer TOKEN'");
            }

            Console.WriteLine($"faceindex: results keep {options.KeptDescription}; stored in {options.EffectiveResultsDir}. Ctrl+C stops.");
            try
            {
                await Task.Delay(Timeout.Infinite, cancellationToken);
            }
            catch (OperationCanceledException)
            {
            }

            await app.StopAsync(CancellationToken.None);
            return Program.Success;
        });
        return command;
    }
}
