namespace FaceIndex.Evaluation;

/// <summary>
/// One ROC operating point: accepting every pair at or beyond <paramref name="Threshold"/> (similarity &gt;= t, or distance &lt;= t)
/// gives false accept rate <paramref name="Far"/> (accepted mismatched / all mismatched) and true accept rate <paramref name="Tar"/>
/// (accepted matched / all matched). The first point of a ROC, (0, 0), accepts nothing; its threshold is +Infinity (-Infinity for
/// distances) even when a missing-face mismatched pair also sits at +Infinity.
/// </summary>
/// <param name="Far">False accept rate in [0, 1].</param>
/// <param name="Tar">True accept rate in [0, 1].</param>
/// <param name="Threshold">The score, in the caller's units; +/-Infinity for "accept nothing" and for missing-face pairs under <see cref="MissingScorePolicy.Error"/>.</param>
public readonly record struct RocPoint(double Far, double Tar, double Threshold);

/// <summary>
/// TAR at a FAR target, read from the ROC as a step function without interpolation: the operating point with the largest FAR that does not
/// exceed <paramref name="TargetFar"/> (so its threshold is the most lenient observed score that keeps FAR &lt;= target) and its TAR.
/// </summary>
/// <param name="TargetFar">The FAR asked for.</param>
/// <param name="Tar">The TAR at the chosen operating point.</param>
/// <param name="AchievedFar">The FAR actually reached (&lt;= target; 0 when the target is below 1 / mismatched count).</param>
/// <param name="Threshold">The threshold of that point, in the caller's units (accept at or beyond it).</param>
public sealed record TarAtFar(double TargetFar, double Tar, double AchievedFar, double Threshold);

/// <summary>ROC construction and the summaries read from it (AUC, EER, TAR@FAR), on similarities where higher means "same".</summary>
internal static class Roc
{
    /// <summary>
    /// Builds the ROC from similarity scores (higher = same) by lowering the threshold through every distinct score: the first point is
    /// (0, 0) at +Infinity, then one point per distinct score value (ties move FAR and TAR together, a diagonal segment), ending at (1, 1).
    /// <paramref name="toCallerUnits"/> maps a similarity threshold back to the caller's units for the stored points.
    /// </summary>
    public static RocPoint[] Build(IReadOnlyList<double> genuine, IReadOnlyList<double> impostor, Func<double, double> toCallerUnits)
    {
        if (genuine.Count == 0 || impostor.Count == 0)
        {
            throw new FaceIndexException(
                $"a ROC needs at least one matched and one mismatched pair; got {genuine.Count} matched and {impostor.Count} mismatched. Check the pairs file and the missing-face policy");
        }

        var all = new (double S, bool Same)[genuine.Count + impostor.Count];
        var n = 0;
        foreach (var g in genuine)
        {
            all[n++] = (g, true);
        }

        foreach (var i in impostor)
        {
            all[n++] = (i, false);
        }

        Array.Sort(all, (x, y) => y.S.CompareTo(x.S));
        var points = new List<RocPoint>(all.Length + 1) { new(0, 0, toCallerUnits(double.PositiveInfinity)) };
        double tp = 0, fp = 0, gCount = genuine.Count, iCount = impostor.Count;
        for (var k = 0; k < all.Length;)
        {
            var s = all[k].S;
            for (; k < all.Length && all[k].S.Equals(s); k++)
            {
                if (all[k].Same)
                {
                    tp++;
                }
                else
                {
                    fp++;
                }
            }

            points.Add(new RocPoint(fp / iCount, tp / gCount, toCallerUnits(s)));
        }

        return [.. points];
    }

    /// <summary>
    /// Area under the ROC by the trapezoid rule over <see cref="Build"/>'s points. Because tied scores make diagonal segments, this equals the
    /// Mann-Whitney statistic P(genuine &gt; impostor) + 0.5 P(genuine = impostor) exactly.
    /// </summary>
    public static double Auc(IReadOnlyList<RocPoint> roc)
    {
        double area = 0;
        for (var k = 1; k < roc.Count; k++)
        {
            area += (roc[k].Far - roc[k - 1].Far) * (roc[k].Tar + roc[k - 1].Tar) / 2;
        }

        return area;
    }

    /// <summary>
    /// Equal error rate: the ROC is joined by straight lines and the EER is where FAR = FRR (= 1 - TAR) on that polyline, found in the first
    /// segment where FAR + TAR - 1 changes from negative to non-negative. The threshold is interpolated linearly on the same segment when
    /// both end thresholds are finite, otherwise it is the segment's end threshold.
    /// </summary>
    public static (double Eer, double Threshold) Eer(IReadOnlyList<RocPoint> roc)
    {
        for (var k = 1; k < roc.Count; k++)
        {
            var f1 = roc[k].Far + roc[k].Tar - 1;
            if (f1 < 0)
            {
                continue;
            }

            var f0 = roc[k - 1].Far + roc[k - 1].Tar - 1;
            var alpha = f1 == f0 ? 0 : -f0 / (f1 - f0);
            var far = roc[k - 1].Far + (alpha * (roc[k].Far - roc[k - 1].Far));
            var t0 = roc[k - 1].Threshold;
            var t1 = roc[k].Threshold;
            var threshold = double.IsFinite(t0) && double.IsFinite(t1) ? t0 + (alpha * (t1 - t0)) : t1;
            return (far, threshold);
        }

        // Unreachable: the last point is (1, 1), where FAR + TAR - 1 = 1.
        throw new InvalidOperationException("ROC does not end at (1, 1)");
    }

    /// <summary>TAR at a FAR target, by the step rule of <see cref="TarAtFar"/>.</summary>
    public static TarAtFar AtFar(IReadOnlyList<RocPoint> roc, double targetFar)
    {
        var best = roc[0];
        foreach (var p in roc)
        {
            if (p.Far <= targetFar)
            {
                best = p;
            }
        }

        return new TarAtFar(targetFar, best.Tar, best.Far, best.Threshold);
    }
}
