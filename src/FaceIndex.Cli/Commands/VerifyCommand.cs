using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Calibration;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex verify A B</c>: distance, similarity and same/different at the model's threshold.</summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var a = new Argument<FileInfo>("a") { Description = "First photo (its face nearest the centre is used)." };
        var b = new Argument<FileInfo>("b") { Description = "Second photo." };
        var json = CliOptions.Json();
        var upsample = CliOptions.Upsample(1);
        var detector = CliOptions.Detector();
        var flip = CliOptions.Flip();
        var threshold = new Option<double?>("--threshold")
        {
            Description = $"Same person below this Euclidean distance (default: the library's calibration for the model, else dlib's {FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture)}).",
        };
        var model = CliOptions.Model();
        var library = CliOptions.Library();
        var dataset = new Option<string?>("--dataset") { Description = "Use the library's calibration for this dataset (when there is one)." };
        var command = new Command("verify", "Are the people in two photos the same person? Distance, similarity and the decision at the threshold.")
        {
            a, b, json, upsample, detector, flip, threshold, model, library, dataset,
        };
        command.SetAction(parse =>
        {
            var chosen = CliOptions.ResolveModel(parse.GetValue(model), parse.GetValue(library)!);
            if (chosen.Manifest is not null)
            {
                return ModelVerify.Run(chosen, parse.GetValue(a)!, parse.GetValue(b)!, parse.GetValue(upsample), parse.GetValue(flip), (float?)parse.GetValue(threshold), parse.GetValue(json));
            }

            using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = parse.GetValue(flip) }));
            var options = new PipelineOptions(Upsample: parse.GetValue(upsample), Detector: DetectorKinds.Parse(parse.GetValue(detector)!));
            var first = Subject(engine, parse.GetValue(a)!, options);
            var second = Subject(engine, parse.GetValue(b)!, options);
            var distance = FaceDistance.Euclidean(first.Embedding!, second.Embedding!);
            var similarity = FaceDistance.Cosine(first.Embedding!, second.Embedding!);
            var resolved = ThresholdResolver.ResolveForLibrary(parse.GetValue(library), engine.Embedder.ModelId, parse.GetValue(dataset), parse.GetValue(threshold));
            var limit = resolved.Value;
            var same = distance < limit;
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    new { a = parse.GetValue(a)!.FullName, b = parse.GetValue(b)!.FullName, distance, similarity, threshold = limit, thresholdSource = resolved.Origin, thresholdDescription = resolved.Description, same, modelId = engine.Embedder.ModelId },
                    CliJson.Options));
            }
            else
            {
                AnsiConsole.MarkupLine(same ? "[green]same person[/]" : "[red]different people[/]");
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "distance {0:F4} (Euclidean on raw embeddings), cosine similarity {1:F4}", distance, similarity);
                AnsiConsole.MarkupLine("threshold " + Markup.Escape(resolved.Description));
            }

            return Program.Success;
        });
        return command;
    }

    internal static FaceRecord Subject(FaceEngine engine, FileInfo photo, PipelineOptions options)
    {
        var analysis = engine.Analyze(photo.FullName, options);
        if (analysis.Subject < 0)
        {
            throw new FaceIndexException($"no face found in {photo.FullName} (detector {options.Detector.Name()}, upsample {options.Upsample}): use a photo with a roughly frontal face of at least ~40 px, or try --upsample 2 or --detector hog+ssd");
        }

        if (analysis.Faces.Count > 1)
        {
            Console.Error.WriteLine($"faceindex: note: {photo.Name} has {analysis.Faces.Count} faces; using the one nearest the centre");
        }

        return analysis.Faces[analysis.Subject];
    }
}
