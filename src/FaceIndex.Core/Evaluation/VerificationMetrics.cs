namespace FaceIndex.Evaluation;

/// <summary>The outcome of one cross-validation fold: the threshold learnt on the other folds and the accuracy it gives here.</summary>
/// <param name="Fold">The fold label as given in the pairs.</param>
/// <param name="PairCount">Pairs tested in this fold (missing-face pairs included under <see cref="MissingScorePolicy.Error"/>).</param>
/// <param name="MissingCount">Of those, pairs without a score (always counted wrong).</param>
/// <param name="Threshold">The threshold, in the caller's units, that maximised accuracy on the other folds.</param>
/// <param name="TrainAccuracy">That accuracy on the other folds.</param>
/// <param name="TestAccuracy">Correct pairs in this fold / <paramref name="PairCount"/>.</param>
public sealed record FoldResult(int Fold, int PairCount, int MissingCount, double Threshold, double TrainAccuracy, double TestAccuracy);

/// <summary>Everything the verification report prints; see <see cref="VerificationMetrics.Evaluate"/> for how each number is defined.</summary>
public sealed record VerificationResult
{
    /// <summary>How the scores were read.</summary>
    public required ScoreDirection Direction { get; init; }

    /// <summary>What was done with pairs without a score.</summary>
    public required MissingScorePolicy MissingPolicy { get; init; }

    /// <summary>Pairs used by every metric (after exclusion).</summary>
    public required int PairCount { get; init; }

    /// <summary>Matched pairs used.</summary>
    public required int MatchedCount { get; init; }

    /// <summary>Mismatched pairs used.</summary>
    public required int MismatchedCount { get; init; }

    /// <summary>Matched pairs that had no score (kept and counted wrong under Error, dropped under Exclude).</summary>
    public required int MissingMatched { get; init; }

    /// <summary>Mismatched pairs that had no score.</summary>
    public required int MissingMismatched { get; init; }

    /// <summary>Pairs dropped by <see cref="MissingScorePolicy.Exclude"/>.</summary>
    public required int ExcludedCount { get; init; }

    /// <summary>Per-fold thresholds and accuracies, in ascending fold order.</summary>
    public required IReadOnlyList<FoldResult> Folds { get; init; }

    /// <summary>Mean of the fold test accuracies.</summary>
    public required double MeanAccuracy { get; init; }

    /// <summary>Sample standard deviation (n - 1 denominator, LFW's convention) of the fold test accuracies.</summary>
    public required double AccuracySd { get; init; }

    /// <summary>Standard error of the mean: <see cref="AccuracySd"/> / sqrt(number of folds).</summary>
    public required double AccuracySe { get; init; }

    /// <summary>Area under the ROC (Mann-Whitney, ties counted half), on all pairs.</summary>
    public required double Auc { get; init; }

    /// <summary>Equal error rate, interpolated on the ROC polyline.</summary>
    public required double Eer { get; init; }

    /// <summary>The threshold at the EER, interpolated likewise (caller's units).</summary>
    public required double EerThreshold { get; init; }

    /// <summary>TAR at each FAR target, by the step rule.</summary>
    public required IReadOnlyList<TarAtFar> TarAtFar { get; init; }

    /// <summary>The single threshold maximising accuracy on all pairs (same search and tie rule as the folds; optimistic, for reference).</summary>
    public required double BestThreshold { get; init; }

    /// <summary>Accuracy of <see cref="BestThreshold"/> on all pairs.</summary>
    public required double BestThresholdAccuracy { get; init; }

    /// <summary>The ROC on all pairs, from (0, 0) to (1, 1).</summary>
    public required IReadOnlyList<RocPoint> Roc { get; init; }
}

/// <summary>
/// Face-verification metrics from scored pairs, following the LFW protocol (Huang et al. 2007, "unrestricted" View 2 reporting).
/// Internally every score is turned into a similarity s (s = score, or s = -distance) so that "same" means s above the threshold; all
/// thresholds are reported back in the caller's units.
/// </summary>
public static class VerificationMetrics
{
    /// <summary>The FAR targets reported when none are given.</summary>
    public static IReadOnlyList<double> DefaultFarTargets { get; } = [1e-2, 1e-3];

    /// <summary>
    /// Computes every verification metric.
    /// <list type="bullet">
    /// <item>Accuracy: k-fold cross-validation over the distinct fold labels (LFW: 10 sets = 10 folds). For each fold the threshold is chosen on
    /// the other folds: candidates are every midpoint between consecutive distinct finite similarities of those folds, plus (lowest - 1) and
    /// (highest + 1); a pair is called same when s &gt; t (distance &lt; t). The candidate with the highest accuracy wins; on a tie the lowest
    /// similarity threshold (the highest distance threshold), i.e. the one that accepts most pairs, wins. Mean, sample SD (n - 1) and
    /// SE = SD / sqrt(k) of the fold accuracies are reported.</item>
    /// <item>ROC, AUC, EER, TAR@FAR: on all pairs together (folds ignored); see <see cref="RocPoint"/>, <see cref="TarAtFar"/>.</item>
    /// <item>Missing scores under <see cref="MissingScorePolicy.Error"/>: a matched pair gets s = -Infinity and a mismatched pair s = +Infinity,
    /// so each is wrong at every threshold, in every fold and in the ROC.</item>
    /// </list>
    /// </summary>
    /// <exception cref="FaceIndexException">Fewer than two folds, a non-finite score, or no matched or no mismatched pair left.</exception>
    public static VerificationResult Evaluate(
        IReadOnlyList<ScoredPair> pairs, ScoreDirection direction, MissingScorePolicy missingPolicy, IReadOnlyList<double>? farTargets = null)
    {
        ArgumentNullException.ThrowIfNull(pairs);
        var sign = direction == ScoreDirection.Similarity ? 1.0 : -1.0;
        double ToCaller(double similarity) => sign * similarity;

        var used = new List<(double S, bool Same, int Fold, bool Missing)>(pairs.Count);
        int missingMatched = 0, missingMismatched = 0, excluded = 0;
        foreach (var p in pairs)
        {
            if (p.Score is { } score)
            {
                if (!double.IsFinite(score))
                {
                    throw new FaceIndexException($"a pair in fold {p.Fold} has score {score}; scores must be finite (use null for a missing face)");
                }

                used.Add((sign * score, p.Same, p.Fold, false));
                continue;
            }

            if (p.Same)
            {
                missingMatched++;
            }
            else
            {
                missingMismatched++;
            }

            if (missingPolicy == MissingScorePolicy.Exclude)
            {
                excluded++;
            }
            else
            {
                used.Add((p.Same ? double.NegativeInfinity : double.PositiveInfinity, p.Same, p.Fold, true));
            }
        }

        var folds = used.Select(u => u.Fold).Distinct().Order().ToArray();
        if (folds.Length < 2)
        {
            throw new FaceIndexException(
                $"cross-validated accuracy needs at least 2 folds; the pairs hold {folds.Length}. Assign folds (PairsFile.AssignFolds) or use LFW's View 2 pairs.txt");
        }

        var foldResults = new List<FoldResult>(folds.Length);
        foreach (var fold in folds)
        {
            var train = used.Where(u => u.Fold != fold).Select(u => (u.S, u.Same)).ToList();
            var test = used.Where(u => u.Fold == fold).ToList();
            var (t, trainCorrect) = BestThreshold(train);
            var testCorrect = test.Count(u => IsCorrect(u.S, u.Same, t));
            foldResults.Add(new FoldResult(
                fold, test.Count, test.Count(u => u.Missing), ToCaller(t), (double)trainCorrect / train.Count, (double)testCorrect / test.Count));
        }

        var accuracies = foldResults.Select(f => f.TestAccuracy).ToArray();
        var mean = accuracies.Average();
        var sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Length - 1));

        var genuine = used.Where(u => u.Same).Select(u => u.S).ToList();
        var impostor = used.Where(u => !u.Same).Select(u => u.S).ToList();
        var roc = Roc.Build(genuine, impostor, ToCaller);
        var (eer, eerThreshold) = Roc.Eer(roc);
        var (best, bestCorrect) = BestThreshold(used.Select(u => (u.S, u.Same)).ToList());

        return new VerificationResult
        {
            Direction = direction,
            MissingPolicy = missingPolicy,
            PairCount = used.Count,
            MatchedCount = genuine.Count,
            MismatchedCount = impostor.Count,
            MissingMatched = missingMatched,
            MissingMismatched = missingMismatched,
            ExcludedCount = excluded,
            Folds = foldResults,
            MeanAccuracy = mean,
            AccuracySd = sd,
            AccuracySe = sd / Math.Sqrt(accuracies.Length),
            Auc = Roc.Auc(roc),
            Eer = eer,
            EerThreshold = eerThreshold,
            TarAtFar = [.. (farTargets ?? DefaultFarTargets).Select(f => Roc.AtFar(roc, f))],
            BestThreshold = ToCaller(best),
            BestThresholdAccuracy = (double)bestCorrect / used.Count,
            Roc = roc,
        };
    }

    private static bool IsCorrect(double s, bool same, double t) => same ? s > t : s <= t;

    /// <summary>The accuracy-maximising similarity threshold over midpoint candidates; ties go to the lowest threshold.</summary>
    internal static (double Threshold, int Correct) BestThreshold(List<(double S, bool Same)> set)
    {
        var finite = set.Where(x => double.IsFinite(x.S)).OrderBy(x => x.S).ToList();
        if (finite.Count == 0)
        {
            throw new FaceIndexException("no pair has a score in the training folds, so no threshold can be chosen; check that faces were found");
        }

        // Start below every finite score: pairs with s > t (all finite ones and +Infinity) are called same.
        var t = finite[0].S - 1;
        var correct = set.Count(x => IsCorrect(x.S, x.Same, t));
        var (bestT, bestCorrect) = (t, correct);
        for (var k = 0; k < finite.Count;)
        {
            var u = finite[k].S;
            for (; k < finite.Count && finite[k].S.Equals(u); k++)
            {
                // Raising t past u rejects the pairs at u: right for mismatched, wrong for matched.
                correct += finite[k].Same ? -1 : 1;
            }

            t = k < finite.Count ? u + ((finite[k].S - u) / 2) : u + 1;
            if (correct > bestCorrect)
            {
                (bestT, bestCorrect) = (t, correct);
            }
        }

        return (bestT, bestCorrect);
    }
}
