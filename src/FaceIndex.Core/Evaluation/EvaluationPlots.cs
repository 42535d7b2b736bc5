using System.Globalization;
using ScottPlot;

namespace FaceIndex.Evaluation;

/// <summary>One named curve for <see cref="EvaluationPlots.SaveLines"/>.</summary>
/// <param name="Label">The legend text.</param>
/// <param name="X">The x values.</param>
/// <param name="Y">The y values, as many as <paramref name="X"/>.</param>
public sealed record LineSeries(string Label, IReadOnlyList<double> X, IReadOnlyList<double> Y);

/// <summary>
/// PNG plots of evaluation results, rendered headless with ScottPlot 5 (SkiaSharp). Log axes are drawn the ScottPlot 5 way: the data are
/// plotted as log10 values and the axis gets manual ticks labelled with the original values (majors at powers of ten, minors at 2..9 times them).
/// </summary>
public static class EvaluationPlots
{
    /// <summary>Default image width in pixels.</summary>
    public const int DefaultWidth = 800;

    /// <summary>Default image height in pixels.</summary>
    public const int DefaultHeight = 600;

    /// <summary>
    /// ROC curves, TAR against FAR on a log10 FAR axis. Points with FAR = 0 cannot be shown on a log axis: they are drawn at the axis's left
    /// edge, the power of ten at or below the smallest non-zero FAR of all series (at least 1e-6).
    /// </summary>
    public static string SaveRoc(string path, IReadOnlyList<(string Label, IReadOnlyList<RocPoint> Roc)> series, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(series);
        var minFar = series.SelectMany(s => s.Roc).Select(p => p.Far).Where(f => f > 0).DefaultIfEmpty(1e-3).Min();
        var minExp = Math.Max(-6, (int)Math.Floor(Math.Log10(minFar)));
        var floor = Math.Pow(10, minExp);
        var lines = series.Select(s => new LineSeries(
            s.Label, [.. s.Roc.Select(p => Math.Log10(Math.Max(p.Far, floor)))], [.. s.Roc.Select(p => p.Tar)])).ToList();
        using var plot = NewPlot("ROC", "false accept rate (FAR, log scale)", "true accept rate (TAR)", lines);
        SetLogTicks(plot.Axes.Bottom, minExp, 0);
        plot.Axes.SetLimitsX(minExp, 0.03);
        plot.Axes.SetLimitsY(0, 1.02);
        return Save(plot, path, width, height);
    }

    /// <summary>
    /// Histogram of the finite scores of matched and mismatched pairs (counts per bin, <paramref name="bins"/> equal bins spanning all scores),
    /// with a vertical line at <paramref name="threshold"/>. Pairs without a score are left out and counted in the title.
    /// </summary>
    public static string SaveScoreHistogram(
        string path, IReadOnlyList<ScoredPair> pairs, double threshold, ScoreDirection direction, int bins = 40, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentOutOfRangeException.ThrowIfLessThan(bins, 1);
        var scored = pairs.Where(p => p.Score.HasValue).Select(p => (Score: p.Score!.Value, p.Same)).ToList();
        var missing = pairs.Count - scored.Count;
        var lo = Math.Min(scored.Select(s => s.Score).DefaultIfEmpty(0).Min(), threshold);
        var hi = Math.Max(scored.Select(s => s.Score).DefaultIfEmpty(1).Max(), threshold);
        var binWidth = hi > lo ? (hi - lo) / bins : 1.0 / bins;
        using var plot = new Plot();
        foreach (var (same, label, color) in new[] { (true, "matched", Colors.Blue), (false, "mismatched", Colors.Red) })
        {
            var counts = new double[bins];
            foreach (var s in scored.Where(s => s.Same == same))
            {
                counts[Math.Clamp((int)((s.Score - lo) / binWidth), 0, bins - 1)]++;
            }

            var bars = plot.Add.Bars(Enumerable.Range(0, bins).Select(b => new Bar
            {
                Position = lo + ((b + 0.5) * binWidth),
                Value = counts[b],
                Size = binWidth,
                FillColor = color.WithAlpha(0.45),
                LineWidth = 0,
            }).ToList());
            bars.LegendText = label;
        }

        var line = plot.Add.VerticalLine(threshold, 2, Colors.Black, LinePattern.Dashed);
        var tallest = plot.GetPlottables<ScottPlot.Plottables.BarPlot>().SelectMany(b => b.Bars).Select(b => b.Value).DefaultIfEmpty(1).Max();
        line.LegendText = $"threshold {threshold.ToString("G4", CultureInfo.InvariantCulture)}";
        plot.Title(missing > 0 ? $"Scores ({missing} pairs without a face not shown)" : "Scores");
        plot.XLabel(direction == ScoreDirection.Distance ? "distance (lower = same)" : "similarity (higher = same)");
        plot.YLabel("pairs");
        plot.Axes.SetLimitsY(0, Math.Max(1, tallest) * 1.05);
        plot.ShowLegend(Edge.Right);
        return Save(plot, path, width, height);
    }

    /// <summary>CMC curves: identification rate against rank (rank r at x = r).</summary>
    public static string SaveCmc(string path, IReadOnlyList<(string Label, IReadOnlyList<double> Cmc)> series, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(series);
        var lines = series.Select(s => new LineSeries(s.Label, [.. Enumerable.Range(1, s.Cmc.Count).Select(r => (double)r)], s.Cmc)).ToList();
        using var plot = NewPlot("CMC", "rank", "identification rate", lines);
        var maxRank = Math.Max(1, series.Select(s => s.Cmc.Count).DefaultIfEmpty(1).Max());
        var step = Math.Max(1, (int)Math.Ceiling(maxRank / 10.0));
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var r = 1; r <= maxRank; r += step)
        {
            ticks.AddMajor(r, r.ToString(CultureInfo.InvariantCulture)); // ranks are whole numbers
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(0.5, maxRank + 0.5);
        plot.Axes.SetLimitsY(0, 1.02);
        return Save(plot, path, width, height);
    }

    /// <summary>
    /// A generic line plot of several series (e.g. speed against batch size). With <paramref name="logX"/> the x values must be positive
    /// and are drawn on a log10 axis labelled with the original values.
    /// </summary>
    public static string SaveLines(
        string path, string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series, bool logX = false, int width = DefaultWidth, int height = DefaultHeight)
    {
        ArgumentNullException.ThrowIfNull(series);
        if (!logX)
        {
            using var linear = NewPlot(title, xLabel, yLabel, series, legendOutside: true);
            return Save(linear, path, width, height);
        }

        if (series.Any(s => s.X.Any(x => !(x > 0))))
        {
            throw new FaceIndexException($"plot \"{title}\": a log x axis needs positive x values; draw it with logX: false");
        }

        var logged = series.Select(s => s with { X = [.. s.X.Select(Math.Log10)] }).ToList();
        var all = logged.SelectMany(s => s.X).DefaultIfEmpty(0).ToList();
        var minExp = (int)Math.Floor(all.Min());
        var maxExp = Math.Max(minExp + 1, (int)Math.Ceiling(all.Max()));
        using var plot = NewPlot(title, xLabel, yLabel, logged, legendOutside: true);
        SetLogTicks(plot.Axes.Bottom, minExp, maxExp);
        plot.Axes.SetLimitsX(minExp - 0.05, maxExp + 0.05); // a little room so the end tick labels are not clipped
        return Save(plot, path, width, height);
    }

    private static Plot NewPlot(string title, string xLabel, string yLabel, IReadOnlyList<LineSeries> series, bool legendOutside = false)
    {
        var plot = new Plot();
        foreach (var s in series)
        {
            if (s.X.Count != s.Y.Count)
            {
                plot.Dispose();
                throw new FaceIndexException($"plot \"{title}\": series \"{s.Label}\" has {s.X.Count} x values and {s.Y.Count} y values");
            }

            var line = plot.Add.ScatterLine(s.X.ToArray(), s.Y.ToArray());
            line.LegendText = s.Label;
            line.LineWidth = 2;
            line.MarkerSize = s.X.Count <= 30 ? 6 : 0; // mark measured points on short series (speed curves), not on ROC steps
        }

        plot.Title(title);
        plot.XLabel(xLabel);
        plot.YLabel(yLabel);
        if (series.Count > 0 && legendOutside)
        {
            plot.ShowLegend(Edge.Right);
        }
        else if (series.Count > 0)
        {
            plot.ShowLegend(ScottPlot.Alignment.LowerRight);
        }

        return plot;
    }

    private static void SetLogTicks(IAxis axis, int minExp, int maxExp)
    {
        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var e = minExp; e <= maxExp; e++)
        {
            ticks.AddMajor(e, Math.Pow(10, e).ToString("G", CultureInfo.InvariantCulture));
            for (var m = 2; m <= 9 && e < maxExp; m++)
            {
                ticks.AddMinor(e + Math.Log10(m));
            }
        }

        axis.TickGenerator = ticks;
    }

    private static string Save(Plot plot, string path, int width, int height)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (dir is not null)
        {
            Directory.CreateDirectory(dir);
        }

        plot.SavePng(path, width, height);
        return path;
    }
}
