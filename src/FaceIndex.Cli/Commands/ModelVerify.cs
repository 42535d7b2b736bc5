using System.Globalization;
using System.Text.Json;
using FaceIndex.Embedding;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;
using FaceIndex.Pipeline;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>verify --model NAME</c> for an ONNX model: its own distance and its own threshold (from its manifest, or --threshold).</summary>
internal static class ModelVerify
{
    public static int Run(RegisteredModel model, FileInfo a, FileInfo b, int upsample, bool flip, float? threshold, bool json)
    {
        var manifest = model.Manifest!;
        var limit = threshold ?? manifest.SameThreshold
            ?? throw new FaceIndexException($"model '{model.Name}' has no sameThreshold in its manifest: give --threshold (a {(model.Distance == EmbeddingMetric.Cosine ? "cosine similarity" : "distance")}), chosen with 'faceindex eval verify --model {model.Name}'");
        using var engine = FaceEngine.Load(new EngineOptions(Embedder: new DlibResNetOptions { FlipTta = flip }, Model: model));
        var options = new PipelineOptions(Upsample: upsample);
        var first = VerifyCommand.Subject(engine, a, options).Embedding!;
        var second = VerifyCommand.Subject(engine, b, options).Embedding!;
        var distance = FaceDistance.Euclidean(first, second);
        var similarity = FaceDistance.Cosine(first, second);
        var same = model.Distance == EmbeddingMetric.Cosine ? similarity > limit : distance < limit;
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(
                new { a = a.FullName, b = b.FullName, distance, similarity, threshold = limit, metric = model.Distance.ToString().ToLowerInvariant(), same, modelId = engine.Embedder.ModelId },
                CliJson.Options));
        }
        else
        {
            AnsiConsole.MarkupLine(same ? "[green]same person[/]" : "[red]different people[/]");
            AnsiConsole.MarkupLine(
                CultureInfo.InvariantCulture,
                model.Distance == EmbeddingMetric.Cosine
                    ? "cosine similarity {2:F4} (same above {1:F3}, model {3}), Euclidean distance {0:F4}"
                    : "distance {0:F4} (same below {1:F3}, model {3}), cosine similarity {2:F4}",
                distance,
                limit,
                similarity,
                Markup.Escape(model.Name));
        }

        return Program.Success;
    }
}
