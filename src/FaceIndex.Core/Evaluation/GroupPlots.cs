using System.Globalization;
using ScottPlot;

namespace FaceIndex.Evaluation;

/// <summary>Bar plots of per-group figures with their intervals (FAR and TAR per group at a FAR target).</summary>
public static class GroupPlots
{
    /// <summary>
    /// Two PNGs for the FAR target at <paramref name="farIndex"/>: the FAR each group gets at the global threshold
    /// (<paramref name="farPath"/>), and each group's TAR at the global threshold and at its own (<paramref name="tarPath"/>). Groups
    /// without a figure are drawn without a bar and named with "(too few)".
    /// </summary>
    public static (string Far, string Tar) Save(string farPath, string tarPath, GroupVerificationResult result, int farIndex = 0)
    {
        ArgumentNullException.ThrowIfNull(result);
        var all = result.Groups.Concat(new[] { result.AcrossGroups }.OfType<GroupFigures>()).ToList();
        if (all.Count == 0 || farIndex >= all[0].AtFar.Count)
        {
            throw new FaceIndexException("no group figures to plot");
        }

        var target = all[0].AtFar[farIndex].TargetFar.ToString("G", CultureInfo.InvariantCulture);
        var threshold = all[0].AtFar[farIndex].GlobalThreshold.ToString("0.0000", CultureInfo.InvariantCulture);
        Bars(farPath, $"FAR per group at the global FAR {target} threshold ({threshold})", "false accept rate", all, [(g => g.AtFar[farIndex].FarAtGlobal, "at the global threshold", Colors.Red)]);
        Bars(tarPath, $"TAR per group at FAR {target}", "true accept rate", all,
            [(g => g.AtFar[farIndex].TarAtGlobal, "at the global threshold", Colors.Blue), (g => g.AtFar[farIndex].TarAtOwn, "at the group's own threshold", Colors.Green)]);
        return (farPath, tarPath);
    }

    private static void Bars(string path, string title, string yLabel, List<GroupFigures> groups, (Func<GroupFigures, RateCi> Pick, string Label, Color Color)[] series)
    {
        using var plot = new Plot();
        var width = 0.8 / series.Length;
        for (var s = 0; s < series.Length; s++)
        {
            var bars = new List<Bar>();
            var intervals = new List<(double X, double Low, double High)>();
            for (var k = 0; k < groups.Count; k++)
            {
                var r = series[s].Pick(groups[k]);
                if (r.TooFew is not null || double.IsNaN(r.Value))
                {
                    continue;
                }

                var low = double.IsNaN(r.Low) ? r.Value : r.Low;
                var high = double.IsNaN(r.High) ? r.Value : r.High;
                var x = k - 0.4 + (width * (s + 0.5));
                bars.Add(new Bar { Position = x, Value = r.Value, Size = width * 0.9, FillColor = series[s].Color.WithAlpha(0.6) });
                intervals.Add((x, low, high));
            }

            var plotted = plot.Add.Bars(bars);
            plotted.LegendText = series[s].Label;
            foreach (var (x, low, high) in intervals)
            {
                var line = plot.Add.Line(x, low, x, high);
                line.LineColor = Colors.Black;
                line.LineWidth = 2;
            }
        }

        var ticks = new ScottPlot.TickGenerators.NumericManual();
        for (var k = 0; k < groups.Count; k++)
        {
            var tooFew = series.All(x => x.Pick(groups[k]).TooFew is not null);
            ticks.AddMajor(k, groups[k].Group + (tooFew ? " (too few)" : string.Empty));
        }

        plot.Axes.Bottom.TickGenerator = ticks;
        plot.Axes.SetLimitsX(-0.6, groups.Count - 0.4);
        plot.Title(title);
        plot.YLabel(yLabel + " (95% interval)");
        plot.ShowLegend(ScottPlot.Alignment.UpperRight);
        Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(path))!);
        plot.SavePng(path, Math.Max(600, 240 * groups.Count), 500);
    }
}
