using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using FaceIndex.Detection;
using FaceIndex.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using Spectre.Console;

namespace FaceIndex.Cli.Commands;

/// <summary><c>faceindex faces PHOTO</c>: every face with box, score and landmarks; <c>--chips DIR</c> writes the aligned chips.</summary>
internal static class FacesCommand
{
    private static readonly Option<string?> Model = CliOptions.Model();
    private static readonly Option<string> Library = CliOptions.Library();

    public static Command Create()
    {
        var photo = new Argument<FileInfo>("photo") { Description = "The image to analyse (JPEG, PNG, WebP, BMP, GIF, TIFF)." };
        var json = CliOptions.Json();
        var chips = new Option<DirectoryInfo?>("--chips") { Description = "Write each face's aligned 150x150 chip as PNG into this folder." };
        var upsample = CliOptions.Upsample(1);
        var detector = CliOptions.Detector();
        var embed = new Option<bool>("--embed") { Description = "Also compute each face's 128-d embedding (printed with --json)." };
        var command = new Command("faces", "Find every face in a photo: box, detector score, 68 landmarks; optionally the aligned chips.")
        {
            photo, json, chips, upsample, detector, embed, Model, Library,
        };
        command.SetAction(parse =>
        {
            var file = parse.GetValue(photo)!;
            var chipDir = parse.GetValue(chips);
            var withEmbedding = parse.GetValue(embed);
            // --model picks the network and so the alignment and chip size (dlib: 150x150 dlib chips).
            using var engine = FaceEngine.Load(new EngineOptions(Model: CliOptions.ResolveModel(parse.GetValue(Model), parse.GetValue(Library)!)));
            var decoded = engine.Decoder.Decode(file.FullName);
            var pipeline = engine.CreatePipeline(new PipelineOptions(Upsample: parse.GetValue(upsample), Embed: withEmbedding, KeepChips: chipDir is not null, Detector: DetectorKinds.Parse(parse.GetValue(detector)!)));
            var faces = pipeline.Process(decoded.Image);
            var subject = SubjectSelector.Select(faces, decoded.Image.Width, decoded.Image.Height, SubjectPolicy.Center);
            var written = chipDir is null ? [] : WriteChips(faces, file, chipDir);
            foreach (var warning in decoded.Warnings)
            {
                Console.Error.WriteLine($"faceindex: warning: {warning.Message}");
            }

            if (parse.GetValue(json))
            {
                Console.WriteLine(JsonSerializer.Serialize(
                    new
                    {
                        photo = file.FullName,
                        format = decoded.Format.ToString(),
                        width = decoded.Image.Width,
                        height = decoded.Image.Height,
                        exifOrientation = decoded.ExifOrientation,
                        subject,
                        faces = faces.Select(f => new
                        {
                            index = f.Index,
                            box = new { left = f.Box.Left, top = f.Box.Top, right = f.Box.Right, bottom = f.Box.Bottom },
                            score = Math.Round(f.Score, 4),
                            landmarks = f.Landmarks.Points.Select(p => new[] { p.X, p.Y }),
                            embedding = f.Embedding,
                            modelId = f.ModelId,
                            chip = written.Count > f.Index ? written[f.Index] : null,
                        }),
                    },
                    CliJson.Options));
                return Program.Success;
            }

            AnsiConsole.MarkupLine($"[bold]{Markup.Escape(file.Name)}[/]: {decoded.Image.Width}x{decoded.Image.Height} {decoded.Format}, {faces.Count} face(s)");
            if (faces.Count == 0)
            {
                AnsiConsole.MarkupLine("[yellow]no face found[/]: faces smaller than ~40 px (upsample 1) or far from frontal are missed; try --upsample 2 or --detector ssd");
                return Program.Success;
            }

            var table = new Table().AddColumns("#", "box (l,t,r,b)", "size", "score", "subject", "eyes and nose tip (landmarks 37, 46, 31)");
            foreach (var f in faces)
            {
                var p = f.Landmarks.Points;
                table.AddRow(
                    f.Index.ToString(CultureInfo.InvariantCulture),
                    $"{f.Box.Left},{f.Box.Top},{f.Box.Right},{f.Box.Bottom}",
                    $"{f.Box.Width}x{f.Box.Height}",
                    f.Score.ToString("F3", CultureInfo.InvariantCulture),
                    f.Index == subject ? "*" : string.Empty,
                    $"({p[36].X},{p[36].Y}) ({p[45].X},{p[45].Y}) ({p[30].X},{p[30].Y})");
            }

            AnsiConsole.Write(table);
            foreach (var path in written)
            {
                AnsiConsole.MarkupLine($"chip: {Markup.Escape(path)}");
            }

            return Program.Success;
        });
        return command;
    }

    private static List<string> WriteChips(IReadOnlyList<FaceRecord> faces, FileInfo photo, DirectoryInfo dir)
    {
        dir.Create();
        var written = new List<string>();
        foreach (var face in faces)
        {
            var chip = face.Chip!;
            using var image = Image.LoadPixelData<Rgb24>(chip.Pixels, chip.Width, chip.Height);
            var path = Path.Combine(dir.FullName, $"{Path.GetFileNameWithoutExtension(photo.Name)}_face{face.Index}.png");
            image.SaveAsPng(path);
            written.Add(path);
        }

        return written;
    }
}
