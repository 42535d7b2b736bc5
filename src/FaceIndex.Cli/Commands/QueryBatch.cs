using System.Globalization;
using System.Text;
using System.Text.Json;
using FaceIndex.Search;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary>
/// The many-photo form of <c>faceindex query</c>: streams one CSV row per hit or one JSON line per query face as each
/// probe is answered, a failed probe as a row with its reason; a progress bar and the summary go to stderr.
/// </summary>
internal static class QueryBatch
{
    public enum Format
    {
        Table,
        Csv,
        Json,
    }

    private static readonly JsonSerializerOptions Lines = new(CliJson.Options) { WriteIndented = false };

    public static int Run(FaceLibrary library, IReadOnlyList<string> inputs, string? listFile, PhotoQueryOptions options, int workers, Format format, CancellationToken cancellationToken)
    {
        if (options.K <= 0)
        {
            throw new FaceIndexException($"-k {options.K}: give a positive number of results");
        }

        var probes = BatchQuery.ListProbes(inputs, listFile);
        if (probes.Count == 0)
        {
            throw new FaceIndexException("no query photos: the folders given hold no images (.jpg, .png, .webp, ...) and the list is empty");
        }

        var stdout = Console.Out;
        if (format == Format.Csv)
        {
            stdout.WriteLine("photo,query_face,rank,face_id,dataset,identity,image,left,top,right,bottom,distance,similarity,same_person,error_reason,error");
        }

        var err = AnsiConsole.Create(new AnsiConsoleSettings { Out = new AnsiConsoleOutput(Console.Error) });
        var top = new List<BatchQueryItem>();
        var failures = new Dictionary<string, int>(StringComparer.Ordinal);
        var answered = 0;
        var clock = System.Diagnostics.Stopwatch.StartNew();

        void Consume(BatchQueryItem item)
        {
            if (!item.Ok)
            {
                failures[item.ErrorReason!] = failures.GetValueOrDefault(item.ErrorReason!) + 1;
            }
            else
            {
                answered++;
            }

            switch (format)
            {
                case Format.Csv:
                    stdout.Write(Csv(item));
                    break;
                case Format.Json:
                    foreach (var line in JsonLines(item))
                    {
                        stdout.WriteLine(line);
                    }

                    break;
                default:
                    top.Add(item);
                    break;
            }

            stdout.Flush();
        }

        var items = BatchQuery.Run(library, probes, options, workers, cancellationToken);
        if (Console.IsErrorRedirected)
        {
            foreach (var item in items)
            {
                Consume(item);
            }
        }
        else
        {
            err.Progress().AutoClear(false).Columns(new TaskDescriptionColumn(), new ProgressBarColumn(), new PercentageColumn(), new RemainingTimeColumn()).Start(context =>
            {
                var task = context.AddTask("photos", maxValue: probes.Count);
                foreach (var item in items)
                {
                    Consume(item);
                    task.Increment(1);
                    task.Description = string.Create(CultureInfo.InvariantCulture, $"{task.Value:N0}/{probes.Count:N0} photos  {task.Value / Math.Max(clock.Elapsed.TotalSeconds, 1e-3):F1}/s  {task.Value - answered:N0} failed");
                }
            });
        }

        if (format == Format.Table)
        {
            RenderTable(top);
        }

        var seconds = clock.Elapsed.TotalSeconds;
        Console.Error.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"faceindex: {probes.Count:N0} photos in {seconds:F1} s ({probes.Count / Math.Max(seconds, 1e-3):F1} photos/s): {answered:N0} answered, {probes.Count - answered:N0} failed{(failures.Count == 0 ? "" : " (" + string.Join(", ", failures.Select(kv => $"{kv.Key} {kv.Value}")) + ")")}"));
        return Program.Success;
    }

    private static IEnumerable<string> JsonLines(BatchQueryItem item)
    {
        if (item.Result is null)
        {
            yield return JsonSerializer.Serialize(new { photo = item.Photo, errorReason = item.ErrorReason, error = item.Error }, Lines);
            yield break;
        }

        foreach (var face in item.Result.Faces)
        {
            yield return JsonSerializer.Serialize(new { photo = item.Photo, width = item.Result.Width, height = item.Result.Height, face = face.FaceIndex, box = face.Box, score = face.Score, hits = face.Hits }, Lines);
        }
    }

    private static string Csv(BatchQueryItem item)
    {
        var sb = new StringBuilder();
        if (item.Result is null)
        {
            sb.Append(CultureInfo.InvariantCulture, $"{Quote(item.Photo)},,,,,,,,,,,,,,{Quote(item.ErrorReason ?? "")},{Quote(item.Error ?? "")}\n");
            return sb.ToString();
        }

        foreach (var face in item.Result.Faces)
        {
            foreach (var h in face.Hits)
            {
                sb.Append(CultureInfo.InvariantCulture, $"{Quote(item.Photo)},{face.FaceIndex},{h.Rank},{h.FaceId},{Quote(h.Dataset)},{Quote(h.Identity ?? string.Empty)},{Quote(h.ImagePath)},{h.Box.Left},{h.Box.Top},{h.Box.Right},{h.Box.Bottom},{h.Distance:F5},{h.Similarity:F5},{(h.SamePerson ? 1 : 0)},,\n");
            }
        }

        return sb.ToString();
    }

    private static string Quote(string s) =>
        s.AsSpan().IndexOfAny(",\"\n\r") >= 0 ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;

    private static void RenderTable(List<BatchQueryItem> items)
    {
        var table = new Table().AddColumns("photo", "face", "best match", "image", "distance", "same?", "problem");
        foreach (var item in items)
        {
            var name = Markup.Escape(Path.GetFileName(item.Photo));
            if (item.Result is null)
            {
                table.AddRow(name, "-", "-", "-", "-", "-", Markup.Escape($"{item.ErrorReason}: {item.Error}"));
                continue;
            }

            foreach (var face in item.Result.Faces)
            {
                var best = face.Hits.Count > 0 ? face.Hits[0] : null;
                table.AddRow(
                    name,
                    face.FaceIndex.ToString(CultureInfo.InvariantCulture),
                    Markup.Escape(best?.Identity ?? "-"),
                    Markup.Escape(best is null ? "-" : $"{best.Dataset}/{best.ImagePath}"),
                    best?.Distance.ToString("F4", CultureInfo.InvariantCulture) ?? "-",
                    best?.SamePerson == true ? "[green]yes[/]" : "no",
                    "");
            }
        }

        AnsiConsole.Write(table);
    }
}
