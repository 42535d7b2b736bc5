using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

/// <summary>
/// Every verification number the report prints, recomputed against a hand calculation on tests/data/eval/pairs_small.txt.
/// <para>
/// The scores (similarities, higher = same), per fold in file order [matched, matched, mismatched, mismatched]:
/// folds 0-7: [0.9, 0.8, 0.1, 0.2]; fold 8: [0.9, 0.3, 0.1, 0.2] (a hard matched pair); fold 9: [0.9, 0.8, 0.1, 0.85] (a hard mismatched pair).
/// All 40: matched 0.9 x10, 0.8 x9, 0.3 x1; mismatched 0.1 x10, 0.2 x9, 0.85 x1.
/// </para>
/// </summary>
public class VerificationMetricsTests
{
    private const double Tol = 1e-12;

    private static double[] FoldScores(int fold) => fold switch
    {
        8 => [0.9, 0.3, 0.1, 0.2],
        9 => [0.9, 0.8, 0.1, 0.85],
        _ => [0.9, 0.8, 0.1, 0.2],
    };

    private static List<ScoredPair> SmallPairs(Func<double, double>? transform = null)
    {
        var pairs = PairsFile.ReadLfw(TestPaths.DataFile("eval", "pairs_small.txt"));
        return [.. pairs.Select((p, i) =>
        {
            var s = FoldScores(p.Fold)[i % 4];
            return new ScoredPair(transform is null ? s : transform(s), p.Same, p.Fold);
        })];
    }

    private static VerificationResult Small() =>
        VerificationMetrics.Evaluate(SmallPairs(), ScoreDirection.Similarity, MissingScorePolicy.Error, [1e-2, 1e-3, 0.05]);

    [Fact]
    public void Fold_thresholds_and_accuracies_match_the_hand_computation()
    {
        // A pair is "same" when s > t. Candidates: midpoints of distinct sorted training scores, plus min - 1 and max + 1.
        // Test fold k in 0..7 -> training = the other 36: matched 0.9x9, 0.8x8, 0.3x1; mismatched 0.1x9, 0.2x8, 0.85x1.
        //   correct at t = -0.9: 18 (all matched); 0.15: 27; 0.25: 35; 0.55: 34; 0.825: 26; 0.875: 27; 1.9: 18 -> t = 0.25, 35/36.
        //   On fold k: 0.9, 0.8 > 0.25 and 0.1, 0.2 <= 0.25 -> 4/4.
        // Test fold 8 -> training lacks the 0.3: matched 0.9x9, 0.8x9; mismatched 0.1x9, 0.2x8, 0.85x1.
        //   -0.9: 18; 0.15: 27; 0.5 (mid 0.2/0.8): 35; 0.825: 26; 0.875: 27; 1.9: 18 -> t = 0.5, 35/36.
        //   On fold 8: 0.3 < 0.5 is a miss -> 3/4.
        // Test fold 9 -> training lacks the 0.85: matched 0.9x9, 0.8x8, 0.3x1; mismatched 0.1x9, 0.2x9.
        //   -0.9: 18; 0.15: 27; 0.25: 36; 0.55: 35; 0.85: 27; 1.9: 18 -> t = 0.25, 36/36.
        //   On fold 9: 0.85 > 0.25 is a false accept -> 3/4.
        var r = Small();

        Assert.Equal(10, r.Folds.Count);
        for (var k = 0; k < 8; k++)
        {
            AssertFold(r.Folds[k], k, 0.25, 35.0 / 36, 1.0);
        }

        AssertFold(r.Folds[8], 8, 0.5, 35.0 / 36, 0.75);
        AssertFold(r.Folds[9], 9, 0.25, 1.0, 0.75);
    }

    [Fact]
    public void Mean_sd_and_se_of_fold_accuracies_match_the_hand_computation()
    {
        // Accuracies 1 x8, 0.75 x2: mean = 9.5 / 10 = 0.95.
        // Deviations 0.05 x8, -0.2 x2: sum of squares = 8 * 0.0025 + 2 * 0.04 = 0.1; sample SD = sqrt(0.1 / 9) = 0.105409...
        // SE = SD / sqrt(10) = sqrt(0.1 / 90) = 1/30.
        var r = Small();

        Assert.Equal(0.95, r.MeanAccuracy, Tol);
        Assert.Equal(Math.Sqrt(0.1 / 9), r.AccuracySd, Tol);
        Assert.Equal(1.0 / 30, r.AccuracySe, Tol);
    }

    [Fact]
    public void Roc_auc_eer_and_best_threshold_match_the_hand_computation()
    {
        // ROC, lowering the threshold through the distinct scores (accept s >= v), G = I = 20:
        //   +inf (0, 0); 0.9: 10 matched -> (0, 0.5); 0.85: 1 mismatched -> (0.05, 0.5); 0.8: 9 matched -> (0.05, 0.95);
        //   0.3: 1 matched -> (0.05, 1); 0.2: 9 mismatched -> (0.5, 1); 0.1: 10 mismatched -> (1, 1).
        // AUC (trapezoids) = 0.05 * 0.5 + 0.45 * 1 + 0.5 * 1 = 0.975. Mann-Whitney: (10*20 + 9*19 + 1*19) / 400 = 390/400 = 0.975.
        // EER: FAR + TAR - 1 is -0.45 at (0.05, 0.5) and 0 at (0.05, 0.95): alpha = 1, EER = 0.05 at threshold 0.8.
        // Best single threshold on all 40: -0.9: 20; 0.15: 30; 0.25: 39; 0.55: 38; 0.825: 29; 0.875: 30; 1.9: 20 -> 0.25, 39/40 = 0.975.
        var r = Small();

        Assert.Equal(
            [(0, 0), (0, 0.5), (0.05, 0.5), (0.05, 0.95), (0.05, 1), (0.5, 1), (1, 1)],
            r.Roc.Select(p => (Math.Round(p.Far, 12), Math.Round(p.Tar, 12))));
        Assert.Equal([double.PositiveInfinity, 0.9, 0.85, 0.8, 0.3, 0.2, 0.1], r.Roc.Select(p => p.Threshold));
        Assert.Equal(0.975, r.Auc, Tol);
        Assert.Equal(0.05, r.Eer, Tol);
        Assert.Equal(0.8, r.EerThreshold, Tol);
        Assert.Equal(0.25, r.BestThreshold, Tol);
        Assert.Equal(0.975, r.BestThresholdAccuracy, Tol);
        Assert.Equal((40, 20, 20, 0, 0, 0), (r.PairCount, r.MatchedCount, r.MismatchedCount, r.MissingMatched, r.MissingMismatched, r.ExcludedCount));
    }

    [Fact]
    public void Tar_at_far_is_the_most_lenient_point_within_the_target()
    {
        // FAR 1e-2 and 1e-3 are below 1/20: only FAR = 0 points qualify; the last is (0, 0.5) at 0.9 -> TAR 0.5.
        // FAR 0.05: the last point with FAR <= 0.05 is (0.05, 1) at 0.3 -> TAR 1.
        var r = Small();

        Assert.Equal(new TarAtFar(1e-2, 0.5, 0, 0.9), r.TarAtFar[0]);
        Assert.Equal(new TarAtFar(1e-3, 0.5, 0, 0.9), r.TarAtFar[1]);
        Assert.Equal(new TarAtFar(0.05, 1, 0.05, 0.3), r.TarAtFar[2]);
    }

    [Fact]
    public void Distances_give_the_same_rates_and_thresholds_in_distance_units()
    {
        // d = 1 - s is the same ranking reversed: every rate is unchanged and every threshold is 1 - t.
        var s = Small();
        var d = VerificationMetrics.Evaluate(SmallPairs(x => 1 - x), ScoreDirection.Distance, MissingScorePolicy.Error, [1e-2, 1e-3, 0.05]);

        Assert.Equal(s.Folds.Select(f => f.TestAccuracy), d.Folds.Select(f => f.TestAccuracy));
        Assert.Equal(0.75, d.Folds[8].TestAccuracy);
        Assert.Equal(0.5, d.Folds[8].Threshold, 1e-9);
        Assert.Equal(0.75, d.Folds[0].Threshold, 1e-9);
        Assert.Equal(s.Auc, d.Auc, 1e-12);
        Assert.Equal(s.Eer, d.Eer, 1e-12);
        Assert.Equal(0.2, d.EerThreshold, 1e-9);
        Assert.Equal(0.75, d.BestThreshold, 1e-9);
        Assert.Equal(0.1, d.TarAtFar[0].Threshold, 1e-9);
        Assert.Equal(0.7, d.TarAtFar[2].Threshold, 1e-9);
        Assert.Equal(double.NegativeInfinity, d.Roc[0].Threshold);
    }

    [Fact]
    public void Threshold_ties_go_to_the_threshold_accepting_most_pairs()
    {
        // matched 0.6; mismatched 0.4, 0.7. -0.6: 1 correct; 0.5: 2; 0.65: 1; 0.85: 2 -> tie between 0.5 and 0.85: 0.5 wins.
        var (t, correct) = VerificationMetrics.BestThreshold([(0.6, true), (0.4, false), (0.7, false)]);

        Assert.Equal(0.5, t, Tol);
        Assert.Equal(2, correct);
    }

    [Fact]
    public void Tied_scores_make_a_diagonal_roc_segment_counted_half_and_the_eer_interpolates()
    {
        // matched 0.9, 0.5; mismatched 0.5, 0.1; folds 0, 1 alternate.
        // ROC: (0,0) +inf; 0.9 -> (0, 0.5); 0.5 (one of each) -> (0.5, 1); 0.1 -> (1, 1).
        // AUC = 0.5 * (0.5 + 1) / 2 + 0.5 * 1 = 0.875 = Mann-Whitney (2 + 1 + 0.5) / 4.
        // EER: FAR + TAR - 1 goes -0.5 -> +0.5 on (0, 0.5)-(0.5, 1): alpha = 0.5, FAR = 0.25 = 1 - 0.75; threshold 0.9 + 0.5 * (0.5 - 0.9) = 0.7.
        List<ScoredPair> pairs = [new(0.9, true, 0), new(0.5, true, 1), new(0.5, false, 0), new(0.1, false, 1)];

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error);

        Assert.Equal(0.875, r.Auc, Tol);
        Assert.Equal(0.25, r.Eer, Tol);
        Assert.Equal(0.7, r.EerThreshold, Tol);
    }

    [Fact]
    public void Auc_equals_the_mann_whitney_statistic_on_random_scores_with_ties()
    {
        var rng = new Random(7);
        var pairs = Enumerable.Range(0, 300)
            .Select(i => new ScoredPair(Math.Round(rng.NextDouble() + (i % 2 == 0 ? 0.3 : 0), 1), i % 2 == 0, i % 10))
            .ToList();
        var g = pairs.Where(p => p.Same).Select(p => p.Score!.Value).ToList();
        var im = pairs.Where(p => !p.Same).Select(p => p.Score!.Value).ToList();
        var u = g.Sum(x => im.Sum(y => x > y ? 1.0 : x == y ? 0.5 : 0.0));

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error);

        Assert.Equal(u / (g.Count * im.Count), r.Auc, 1e-12);
    }

    [Fact]
    public void Fold_thresholds_and_tar_at_far_equal_a_brute_force_search_on_random_scores()
    {
        // Rounded scores make many ties; some pairs lack a score. The brute force tries every candidate threshold separately.
        var rng = new Random(11);
        var pairs = Enumerable.Range(0, 240).Select(i =>
        {
            var same = rng.Next(2) == 0;
            double? score = rng.Next(25) == 0 ? null : Math.Round(rng.NextDouble() + (same ? 0.35 : 0), 2);
            return new ScoredPair(score, same, rng.Next(10));
        }).ToList();
        var s = pairs.Select(p => p.Score ?? (p.Same ? double.NegativeInfinity : double.PositiveInfinity)).ToArray();

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error, [0.01, 0.05, 0.2]);

        foreach (var fold in r.Folds)
        {
            var train = Enumerable.Range(0, pairs.Count).Where(i => pairs[i].Fold != fold.Fold).ToList();
            var values = train.Select(i => s[i]).Where(double.IsFinite).Distinct().Order().ToList();
            var candidates = new List<double> { values[0] - 1 };
            candidates.AddRange(values.Zip(values.Skip(1), (a, b) => a + ((b - a) / 2)));
            candidates.Add(values[^1] + 1);
            double Accuracy(IEnumerable<int> idx, double t) => idx.Average(i => (pairs[i].Same ? s[i] > t : s[i] <= t) ? 1.0 : 0.0);
            var best = candidates.MaxBy(t => Accuracy(train, t)); // MaxBy keeps the first (lowest) of equal maxima
            var test = Enumerable.Range(0, pairs.Count).Where(i => pairs[i].Fold == fold.Fold).ToList();

            Assert.Equal(best, fold.Threshold, Tol);
            Assert.Equal(Accuracy(train, best), fold.TrainAccuracy, Tol);
            Assert.Equal(Accuracy(test, best), fold.TestAccuracy, Tol);
        }

        var genuine = Enumerable.Range(0, pairs.Count).Where(i => pairs[i].Same).Select(i => s[i]).ToList();
        var impostor = Enumerable.Range(0, pairs.Count).Where(i => !pairs[i].Same).Select(i => s[i]).ToList();
        foreach (var t in r.TarAtFar)
        {
            // The most lenient observed score v (accept s >= v) whose FAR is within the target; if none (missing mismatched pairs are
            // accepted everywhere), the "accept nothing" point at +Infinity with TAR 0.
            var ok = s.Where(v => impostor.Count(x => x >= v) <= t.TargetFar * impostor.Count).ToList();
            var v = ok.Count > 0 ? ok.Min() : double.PositiveInfinity;
            Assert.Equal(v, t.Threshold);
            Assert.Equal(ok.Count > 0 ? (double)genuine.Count(x => x >= v) / genuine.Count : 0, t.Tar, Tol);
        }
    }

    [Fact]
    public void Missing_face_under_error_is_wrong_in_its_fold_and_worst_in_the_roc()
    {
        // The fold-0 matched pair scored 0.8 loses its score: it becomes s = -inf (never accepted).
        // Thresholds are unchanged (the pair is wrong at every candidate, a constant): folds 1-7 train on 34/36 at 0.25,
        // fold 8: 0.5 (34/36), fold 9: 0.25 (35/36), fold 0: 0.25 (35/36).
        // Test accuracies: fold 0 = 3/4, folds 1-7 = 1, folds 8, 9 = 3/4 -> mean 9.25 / 10 = 0.925.
        // ROC: 0.9 -> (0, 0.5); 0.85 -> (0.05, 0.5); 0.8 x8 -> (0.05, 0.9); 0.3 -> (0.05, 0.95); 0.2 -> (0.5, 0.95); 0.1 -> (1, 0.95); -inf -> (1, 1).
        // AUC = 0.025 + 0.45 * 0.95 + 0.5 * 0.95 = 0.9275 = (200 + 8*19 + 19) / 400.
        var pairs = SmallPairs();
        pairs[1] = pairs[1] with { Score = null };

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error);

        Assert.Equal((40, 1, 0, 0), (r.PairCount, r.MissingMatched, r.MissingMismatched, r.ExcludedCount));
        Assert.Equal((4, 1, 0.75), (r.Folds[0].PairCount, r.Folds[0].MissingCount, r.Folds[0].TestAccuracy));
        Assert.Equal(34.0 / 36, r.Folds[1].TrainAccuracy, Tol);
        Assert.Equal(0.925, r.MeanAccuracy, Tol);
        Assert.Equal(0.9275, r.Auc, Tol);
        Assert.Equal(double.NegativeInfinity, r.Roc[^1].Threshold);
        Assert.Equal(0.95, r.Roc[^2].Tar, Tol);
    }

    [Fact]
    public void Missing_mismatched_face_under_error_is_accepted_at_every_threshold()
    {
        // The fold-0 mismatched 0.1 becomes s = +inf: FAR is 1/20 already at the strictest threshold, so TAR @ FAR 1e-2 is 0.
        var pairs = SmallPairs();
        pairs[2] = pairs[2] with { Score = null };

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error);

        Assert.Equal(new RocPoint(0.05, 0, double.PositiveInfinity), r.Roc[1]);
        Assert.Equal(0, r.TarAtFar[0].Tar);
        Assert.Equal(0.75, r.Folds[0].TestAccuracy);
    }

    [Fact]
    public void Missing_face_under_exclude_is_dropped_and_counted()
    {
        var pairs = SmallPairs();
        pairs[1] = pairs[1] with { Score = null };
        var withoutIt = pairs.Where((_, i) => i != 1).ToList();

        var r = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Exclude);
        var expected = VerificationMetrics.Evaluate(withoutIt, ScoreDirection.Similarity, MissingScorePolicy.Error);

        Assert.Equal((39, 19, 1, 1), (r.PairCount, r.MatchedCount, r.MissingMatched, r.ExcludedCount));
        Assert.Equal(3, r.Folds[0].PairCount);
        Assert.Equal(expected.MeanAccuracy, r.MeanAccuracy);
        Assert.Equal(expected.Auc, r.Auc);
        Assert.Equal(expected.Roc, r.Roc);
    }

    [Fact]
    public void One_fold_is_a_clear_error()
    {
        List<ScoredPair> pairs = [new(0.9, true, 0), new(0.1, false, 0)];

        var ex = Assert.Throws<FaceIndexException>(() => VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error));

        Assert.Contains("at least 2 folds", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertFold(FoldResult f, int fold, double threshold, double train, double test)
    {
        Assert.Equal(fold, f.Fold);
        Assert.Equal(4, f.PairCount);
        Assert.Equal(threshold, f.Threshold, Tol);
        Assert.Equal(train, f.TrainAccuracy, Tol);
        Assert.Equal(test, f.TestAccuracy, Tol);
    }
}
