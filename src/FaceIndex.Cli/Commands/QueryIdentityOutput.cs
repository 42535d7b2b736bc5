using System.Globalization;
using System.Text.Json;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex query --by identity</c>: identities ranked by a template, with the open-set answer.</summary>
internal static class QueryIdentityOutput
{
    public static bool Wanted(string? by) => by?.ToUpperInvariant() switch
    {
        null or "FACE" => false,
        "IDENTITY" => true,
        _ => throw new FaceIndexException($"--by {by} is not one of face, identity"),
    };

    public static void RefuseFaceOutputs(bool csv, bool html)
    {
        if (csv || html)
        {
            throw new FaceIndexException("--by identity prints a table or --json; --csv and --html are for face queries (drop --by identity)");
        }
    }

    public static int Run(FaceLibrary lib, FileInfo? photo, long? faceId, string? dataset, IdentityTemplate template, int k, int topK, int upsample, int? face, bool json)
    {
        if (topK <= 0)
        {
            throw new FaceIndexException($"--topk {topK}: give a positive number of faces");
        }

        var result = faceId is { } id
            ? IdentityQuery.ForFace(lib, id, template, k, topK, dataset)
            : IdentityQuery.ForPhoto(lib, (photo ?? throw new FaceIndexException("give a PHOTO, or --face-id ID")).FullName, template, k, topK, dataset, upsample, face);
        if (json)
        {
            Console.WriteLine(JsonSerializer.Serialize(result, CliJson.Options));
            return Program.Success;
        }

        var rule = template == IdentityTemplate.TopK ? $"topk (mean of the {topK} nearest faces)" : template.ToString().ToLowerInvariant();
        AnsiConsole.MarkupLine($"identities ranked by {Markup.Escape(rule)}; same person below distance {Markup.Escape(result.Threshold.Description)}");
        foreach (var f in result.Faces)
        {
            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(Path.GetFileName(result.Photo))}[/] face {f.FaceIndex} at ({f.Box.Left},{f.Box.Top},{f.Box.Right},{f.Box.Bottom})");
            var table = new Table().AddColumns("rank", "identity", "dataset", "faces", "score", "nearest face", "its distance", "same?");
            foreach (var h in f.Hits)
            {
                table.AddRow(
                    h.Rank.ToString(CultureInfo.InvariantCulture), Markup.Escape(h.Identity), Markup.Escape(h.Dataset), h.Faces.ToString(CultureInfo.InvariantCulture),
                    h.Score.ToString("F4", CultureInfo.InvariantCulture), h.BestFaceId.ToString(CultureInfo.InvariantCulture), h.BestFaceDistance.ToString("F4", CultureInfo.InvariantCulture),
                    h.SamePerson ? "[green]yes[/]" : "no");
            }

            AnsiConsole.Write(table);
            if (f.NoIndexedIdentity)
            {
                AnsiConsole.MarkupLine(CultureInfo.InvariantCulture, "[yellow]no indexed identity[/]: the nearest identity scores {0:F4}, not below the threshold {1:0.####}", f.Hits.Count > 0 ? f.Hits[0].Score : float.NaN, result.Threshold.Value);
            }
        }

        return Program.Success;
    }
}
