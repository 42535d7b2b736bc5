using System.Globalization;
using System.Text;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Evaluation;

/// <summary>
/// Every pair of a verification run with its fold, label, score, decision and face sources (the CSV of <c>eval verify --scores</c>), and
/// the worst errors (false accepts and false rejects furthest past the threshold) drawn as the two faces side by side.
/// </summary>
public static class PairScores
{
    /// <summary>The pairs of <paramref name="outcome"/>, each decided at its fold's cross-validated threshold.</summary>
    public static IReadOnlyList<PairScore> From(VerificationOutcome outcome)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        var thresholds = outcome.Result.Folds.ToDictionary(f => f.Fold, f => f.Threshold);
        var distance = outcome.Result.Direction == ScoreDirection.Distance;
        return [.. outcome.Pairs.Select((p, i) =>
        {
            var score = outcome.Scores[i].Score;
            var t = thresholds.TryGetValue(p.Fold, out var ft) ? ft : double.NaN;
            bool? decided = score is { } s ? (distance ? s < t : s > t) : null;
            return new PairScore(i, p.Fold, p.Same, p.PathA, p.PathB, score, t, decided, Source(outcome, p.PathA), Source(outcome, p.PathB));
        })];
    }

    /// <summary>Writes the pairs as CSV: index, fold, label, a, b, score, threshold, decision, correct, source_a, source_b (paths relative to <paramref name="root"/>).</summary>
    public static void WriteCsv(string path, IReadOnlyList<PairScore> rows, string? root = null)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var csv = new StringBuilder("index,fold,label,a,b,score,threshold,decision,correct,source_a,source_b\n");
        foreach (var r in rows)
        {
            csv.Append(CultureInfo.InvariantCulture,
                $"{r.Index},{r.Fold},{(r.Same ? "same" : "different")},{Quote(Rel(root, r.PathA))},{Quote(Rel(root, r.PathB))},{r.Score?.ToString("R", CultureInfo.InvariantCulture) ?? string.Empty},{r.Threshold:R},{(r.DecidedSame is { } d ? (d ? "same" : "different") : "no face")},{(r.Correct ? 1 : 0)},{Name(r.SourceA)},{Name(r.SourceB)}\n");
        }

        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        File.WriteAllText(path, csv.ToString());
    }

    /// <summary>The <paramref name="n"/> false accepts and <paramref name="n"/> false rejects with the largest margin, worst first.</summary>
    public static (IReadOnlyList<PairScore> FalseAccepts, IReadOnlyList<PairScore> FalseRejects) WorstErrors(IReadOnlyList<PairScore> rows, int n = 5)
    {
        ArgumentNullException.ThrowIfNull(rows);
        var fa = rows.Where(r => !r.Same && r.DecidedSame == true).OrderByDescending(r => r.Margin).ThenBy(r => r.Index).Take(n).ToList();
        var fr = rows.Where(r => r.Same && r.DecidedSame == false).OrderByDescending(r => r.Margin).ThenBy(r => r.Index).Take(n).ToList();
        return (fa, fr);
    }

    /// <summary>
    /// Writes the worst errors into <paramref name="directory"/> (errors/fa-1.png, errors/fr-1.png, ...: the two faces side by side) and
    /// returns the report section that shows them with their scores.
    /// </summary>
    public static string WriteWorstErrors(string directory, VerificationOutcome outcome, IReadOnlyList<PairScore> rows, ImageDecoder decoder, string? root = null, int n = 5)
    {
        ArgumentNullException.ThrowIfNull(outcome);
        ArgumentNullException.ThrowIfNull(decoder);
        var (fa, fr) = WorstErrors(rows, n);
        var md = new StringBuilder("\n## The worst errors\n\n");
        md.Append("False accepts (different people decided the same) and false rejects (one person decided different) furthest past their fold's threshold; left face A, right face B.\n\n");
        foreach (var (title, list, prefix) in new[] { ("False accepts", fa, "fa"), ("False rejects", fr, "fr") })
        {
            md.Append(CultureInfo.InvariantCulture, $"### {title} ({list.Count} shown)\n\n");
            if (list.Count == 0)
            {
                md.Append("None.\n\n");
                continue;
            }

            md.Append("| faces | score | threshold | A | B | sources |\n|---|---|---|---|---|---|\n");
            for (var k = 0; k < list.Count; k++)
            {
                var r = list[k];
                var file = $"errors/{prefix}-{k + 1}.png";
                var drawn = SideBySide(Path.Combine(directory, file), decoder, outcome, r);
                md.Append(CultureInfo.InvariantCulture,
                    $"| {(drawn ? $"![{prefix} {k + 1}]({file})" : "(could not draw)")} | {r.Score:0.0000} | {r.Threshold:0.0000} | {Rel(root, r.PathA).Replace("|", "\\|", StringComparison.Ordinal)} | {Rel(root, r.PathB).Replace("|", "\\|", StringComparison.Ordinal)} | {Name(r.SourceA)} / {Name(r.SourceB)} |\n");
            }

            md.Append('\n');
        }

        return md.ToString();
    }

    private const int Side = 150;

    private static bool SideBySide(string path, ImageDecoder decoder, VerificationOutcome outcome, PairScore r)
    {
        try
        {
            using var canvas = new Image<Rgb24>(2 * Side, Side);
            var x = 0;
            foreach (var p in new[] { r.PathA, r.PathB })
            {
                var image = decoder.Decode(p).Image;
                var box = outcome.Subjects.TryGetValue(p, out var s) && s.Box is { } b ? b : new FaceBox(0, 0, image.Width - 1, image.Height - 1);
                using var face = Crop(image, box);
                var at = x;
                canvas.Mutate(c => c.DrawImage(face, new Point(at, 0), 1f));
                x += Side;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(path)!);
            canvas.SaveAsPng(path);
            return true;
        }
        catch (FaceIndexException)
        {
            return false;
        }
    }

    private static Image<Rgb24> Crop(RgbImage image, FaceBox box)
    {
        // A quarter of the box around it, as the query page does, so the hair line and chin show.
        var margin = (int)(Math.Max(box.Width, box.Height) * 0.25);
        var left = Math.Clamp(box.Left - margin, 0, image.Width - 1);
        var top = Math.Clamp(box.Top - margin, 0, image.Height - 1);
        var right = Math.Clamp(box.Right + margin, left, image.Width - 1);
        var bottom = Math.Clamp(box.Bottom + margin, top, image.Height - 1);
        var full = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        full.Mutate(c => c.Crop(new Rectangle(left, top, right - left + 1, bottom - top + 1)).Resize(Side, Side));
        return full;
    }

    private static SubjectSource Source(VerificationOutcome outcome, string path) =>
        outcome.Subjects.TryGetValue(path, out var s) ? s.Source : SubjectSource.Failed;

    private static string Name(SubjectSource source) => source switch
    {
        SubjectSource.Detected => "detected",
        SubjectSource.DetectedOnRetry => "retry",
        SubjectSource.Center => "centre fallback",
        _ => "failed",
    };

    private static string Rel(string? root, string path) => root is null ? path : Path.GetRelativePath(root, path);

    private static string Quote(string s) => s.Contains(',', StringComparison.Ordinal) || s.Contains('"', StringComparison.Ordinal) ? "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"" : s;
}
