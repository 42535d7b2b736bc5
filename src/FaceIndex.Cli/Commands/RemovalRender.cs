using System.Globalization;
using FaceIndex.Removal;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>Renders a removal check: every file searched and what was found.</summary>
internal static class RemovalRender
{
    public static void Write(RemovalVerification v)
    {
        var table = new Table().AddColumns("searched for removed embeddings", "what", "bytes", "removed embeddings found");
        foreach (var p in v.Places)
        {
            table.AddRow(
                Markup.Escape(p.Path),
                Markup.Escape(p.What),
                p.Bytes.ToString("N0", CultureInfo.InvariantCulture),
                p.Found == 0 ? "[green]none[/]" : $"[red]{p.Found}[/]");
        }

        AnsiConsole.Write(table);
        AnsiConsole.MarkupLine(Markup.Escape(string.Create(CultureInfo.InvariantCulture,
            $"{(v.Clean ? "clean" : "NOT CLEAN")}: searched {v.Places.Count} file(s) for {v.RemovedFaces} removed face(s) ({v.Fingerprints} stored forms: float32 and float16, at every byte offset)")));
        foreach (var note in v.Notes)
        {
            AnsiConsole.MarkupLine(Markup.Escape("note: " + note));
        }
    }
}
