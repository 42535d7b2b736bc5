using System.CommandLine;
using System.Text.Json;
using FaceIndex.Models;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex models</c>: each model file, its version, checksum, licence and origin.</summary>
internal static class ModelsCommand
{
    public static Command Create()
    {
        var json = new Option<bool>("--json") { Description = "Print JSON instead of a table." };
        var verify = new Option<bool>("--verify") { Description = "Hash each file and compare with the pinned sha256 (reads ~110 MB)." };
        var library = CliOptions.Library();
        var command = new Command("models", "List the model files FaceIndex uses (version, sha256, licence, origin, whether installed) and the recognition models a library can use.")
        {
            json,
            verify,
            library,
            ModelsAddCommand.Create(),
        };
        command.SetAction(parse =>
        {
            var rows = ModelFiles.All.Select(m => Describe(m, parse.GetValue(verify))).ToList();
            var registry = Embedding.Onnx.ModelRegistry.Open(Path.GetFullPath(parse.GetValue(library)!));
            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(new { files = rows, recognitionModels = ModelsAddCommand.Rows(registry) }, CliJson.Options));
            }
            else
            {
                foreach (var r in rows)
                {
                    var grid = new Grid().AddColumn(new GridColumn().NoWrap()).AddColumn();
                    grid.AddRow("file", Markup.Escape(r.Path));
                    grid.AddRow("version", Markup.Escape(r.Version));
                    grid.AddRow("sha256", Markup.Escape(r.Sha256));
                    grid.AddRow("licence", Markup.Escape(r.Licence));
                    grid.AddRow("origin", Markup.Escape(r.Source));
                    grid.AddRow("about", Markup.Escape(r.Note));
                    AnsiConsole.MarkupLine($"[bold]{Markup.Escape(r.Name)}[/]  {Markup.Escape(r.State)}");
                    AnsiConsole.Write(new Padder(grid).Padding(2, 0, 0, 1));
                }

                AnsiConsole.Write(ModelsAddCommand.Table(registry));
            }

            return rows.Any(r => r.State.StartsWith("mismatch", StringComparison.Ordinal)) ? Program.BadInput : Program.Success;
        });
        return command;
    }

    private static ModelRow Describe(ModelFile model, bool verify)
    {
        var path = ModelFiles.PathOf(model);
        string state;
        if (!File.Exists(path))
        {
            state = "missing: run bash scripts/setup.sh";
        }
        else if (!verify)
        {
            state = "installed";
        }
        else
        {
            var actual = ModelFiles.Sha256Of(path);
            state = actual == model.Sha256 ? "verified" : $"mismatch (sha256 {actual})";
        }

        return new ModelRow(model.Name, model.FileName, model.Version, model.Sha256, model.Licence, model.Source, model.Note, path, state);
    }

    private sealed record ModelRow(
        string Name, string File, string Version, string Sha256, string Licence, string Source, string Note, string Path, string State);
}
