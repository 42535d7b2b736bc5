using System.CommandLine;
using FaceIndex.Alignment;
using FaceIndex.Embedding.Onnx;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex models add NAME --onnx FILE [--manifest JSON | --preset arcface112]</c>, and the recognition-model table of <c>models</c>.</summary>
internal static class ModelsAddCommand
{
    public static Command Create()
    {
        var name = new Argument<string>("name") { Description = "The model's name in this library (used with --model)." };
        var onnx = new Option<FileInfo>("--onnx") { Description = "The .onnx file.", Required = true };
        var manifest = new Option<FileInfo?>("--manifest") { Description = "A manifest (JSON): input name, size, layout, channel order, mean/std or scale, alignment, output name, dimension, distance, licence, origin." };
        var preset = new Option<string?>("--preset") { Description = $"Instead of a manifest, a convention completed from the graph: {string.Join(", ", ModelPresets.Names)}." };
        var library = CliOptions.Library();
        var command = new Command("add", "Register an ONNX recognition model with this library: the file is hashed, loaded and checked against its manifest.")
        {
            name, onnx, manifest, preset, library,
        };
        command.SetAction(parse =>
        {
            if (parse.GetValue(manifest) is not null && parse.GetValue(preset) is not null)
            {
                throw new FaceIndexException("give --manifest or --preset, not both");
            }

            var dir = Path.GetFullPath(parse.GetValue(library)!);
            var added = ModelRegistry.Open(dir).Add(parse.GetValue(name)!, parse.GetValue(onnx)!.FullName, parse.GetValue(manifest)?.FullName, parse.GetValue(preset));
            AnsiConsole.MarkupLine($"added [bold]{Markup.Escape(added.Name)}[/] ({Markup.Escape(added.ModelId())}) to {Markup.Escape(dir)}");
            AnsiConsole.Write(Table(ModelRegistry.Open(dir)));
            return Program.Success;
        });
        return command;
    }

    /// <summary>One row per recognition model of the library.</summary>
    public static IReadOnlyList<RecognitionModelRow> Rows(ModelRegistry registry) =>
        [.. registry.All.Select(m => new RecognitionModelRow(
            m.Name,
            m.Runtime,
            m.ModelId(),
            FaceAligners.Name(m.Alignment),
            m.Manifest is { } x ? $"{x.InputName} {x.InputSize}x{x.InputSize} {x.Layout.ToString().ToLowerInvariant()} {x.ChannelOrder.ToString().ToLowerInvariant()}" : "150x150 rgb",
            m.Dimension,
            m.Distance.ToString().ToLowerInvariant(),
            m.Manifest?.Licence ?? "MIT (face-api's port); dlib's model: public domain",
            m.Manifest?.Origin ?? "npm @vladmandic/face-api@1.7.15",
            m.Manifest?.Note,
            m.Manifest is null ? "installed" : File.Exists(m.Manifest.FilePath(m.ManifestDirectory)) ? "installed" : "missing: run bash scripts/setup.sh",
            m.Name == ModelRegistry.DlibName))];

    /// <summary>The recognition models as a table.</summary>
    public static Table Table(ModelRegistry registry)
    {
        var table = new Table().Title("recognition models (--model NAME)").AddColumns("name", "runtime", "alignment", "input", "dim", "distance", "licence", "state");
        foreach (var r in Rows(registry))
        {
            table.AddRow(
                Markup.Escape(r.Name + (r.Default ? " (default)" : string.Empty)), r.Runtime, r.Alignment, Markup.Escape(r.Input), r.Dimension.ToString(System.Globalization.CultureInfo.InvariantCulture),
                r.Distance, Markup.Escape(r.Licence + (r.Note is null ? string.Empty : "; " + r.Note)), Markup.Escape(r.State));
        }

        return table;
    }

    /// <summary>What <c>models</c> prints about one recognition model.</summary>
    internal sealed record RecognitionModelRow(
        string Name, string Runtime, string ModelId, string Alignment, string Input, int Dimension, string Distance, string Licence, string Origin, string? Note, string State, bool Default);
}
