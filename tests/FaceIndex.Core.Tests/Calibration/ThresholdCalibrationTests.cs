using FaceIndex.Calibration;
using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Calibration;

/// <summary>Every calibration number recomputed by hand on small score lists (distances: same person below the threshold).</summary>
public class ThresholdCalibrationTests
{
    private static readonly double[] Impostors = [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1.0, 1.1];

    private static int[] Ones(int n) => [.. Enumerable.Repeat(1, n)];

    [Fact]
    public void The_threshold_at_a_far_is_the_next_impostor_distance_after_the_allowed_false_accepts()
    {
        // 10 impostors. FAR 0.1 allows floor(1.0) = 1 false accept: the 2nd smallest distance, 0.3 (accepting < 0.3 takes only 0.2).
        Assert.Equal(0.3, ThresholdCalibration.AtFar(Impostors, Ones(10), 0.1));

        // FAR 0.25 allows 2: the 3rd smallest, 0.4. FAR 0.29 allows floor(2.9) = 2 as well (0.29 x 10 is 2.9000000000000004 in binary).
        Assert.Equal(0.4, ThresholdCalibration.AtFar(Impostors, Ones(10), 0.25));
        Assert.Equal(0.4, ThresholdCalibration.AtFar(Impostors, Ones(10), 0.29));

        // FAR 0.3 allows exactly 3 (0.3 x 10 must not floor to 2): the 4th, 0.5.
        Assert.Equal(0.5, ThresholdCalibration.AtFar(Impostors, Ones(10), 0.3));

        // FAR 0.05 allows none: the smallest impostor distance.
        Assert.Equal(0.2, ThresholdCalibration.AtFar(Impostors, Ones(10), 0.05));

        // Weighted (a resample): 0.2 twice, 0.3 never; FAR 0.1 of 10 allows 1, and the two copies of 0.2 already exceed it.
        Assert.Equal(0.2, ThresholdCalibration.AtFar(Impostors, [2, 0, 1, 1, 1, 1, 1, 1, 1, 1], 0.1));
    }

    [Fact]
    public void The_accuracy_threshold_matches_the_hand_walk_and_the_fold_rule()
    {
        // Genuine 0.3 0.4 0.5 0.7, impostor 0.6 0.8 0.9. From the top (accept all): 4 right at t = 1.9; past 0.9 -> 5 (t 0.85);
        // past 0.8 -> 6 (t 0.75); past 0.7 (genuine) -> 5; past 0.6 -> 6 at t 0.55, a tie that keeps the larger 0.75; then it falls.
        double[] genuine = [0.3, 0.4, 0.5, 0.7];
        double[] impostor = [0.6, 0.8, 0.9];
        var t = ThresholdCalibration.BestAccuracy(genuine, Ones(4), impostor, Ones(3));
        Assert.Equal(0.75, t, 12);
        Assert.Equal((1.0 / 3, 1.0, 6.0 / 7), ThresholdCalibration.Rates(genuine, impostor, t));

        // The same rule as VerificationMetrics' fold thresholds, which work on similarities s = -distance.
        var rng = new Random(7);
        for (var trial = 0; trial < 50; trial++)
        {
            var g = Enumerable.Range(0, rng.Next(1, 30)).Select(_ => Math.Round(rng.NextDouble(), 2)).Order().ToArray();
            var i = Enumerable.Range(0, rng.Next(1, 30)).Select(_ => Math.Round(rng.NextDouble() + 0.3, 2)).Order().ToArray();
            var (sim, _) = VerificationMetrics.BestThreshold([.. g.Select(d => (-d, true)), .. i.Select(d => (-d, false))]);
            Assert.Equal(-sim, ThresholdCalibration.BestAccuracy(g, Ones(g.Length), i, Ones(i.Length)), 12);
        }
    }

    [Fact]
    public void Percentile_interpolates_between_order_statistics()
    {
        // Type 7: h = (n - 1) p. [4, 1, 3, 2] sorted 1 2 3 4: p 0.25 -> h 0.75 -> 1.75; p 0.975 -> h 2.925 -> 3.925.
        Assert.Equal(1.75, ThresholdCalibration.Percentile([4, 1, 3, 2], 0.25), 12);
        Assert.Equal(3.925, ThresholdCalibration.Percentile([4, 1, 3, 2], 0.975), 12);
        Assert.Equal(2, ThresholdCalibration.Percentile([2], 0.5));
    }

    [Fact]
    public void Calibrate_reports_rates_counts_and_the_default_on_a_known_list()
    {
        // Genuine 0.3 0.4 0.5 0.7 and ten impostors 0.2..1.1 (one impostor closer than every genuine pair), plus a pair without a face.
        var pairs = new List<ScoredPair>();
        pairs.AddRange(new[] { 0.3, 0.4, 0.5, 0.7 }.Select(d => new ScoredPair(d, true, 0)));
        pairs.AddRange(Impostors.Select(d => new ScoredPair(d, false, 0)));
        pairs.Add(new ScoredPair(null, true, 0));
        var r = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions([0.1, 0.01], Bootstrap: 0));

        Assert.Equal((4, 10, 1), (r.GenuinePairs, r.ImpostorPairs, r.MissingPairs));
        var at10 = r.Points[0];
        Assert.Equal("far 0.1", at10.Name);
        Assert.Equal(0.3, at10.Threshold);
        Assert.Equal((0.1, 0.0, 9.0 / 14), (at10.Far, at10.Tar, at10.Accuracy));
        Assert.True(at10.EnoughImpostors);
        Assert.Contains("few impostor pairs", at10.Note, StringComparison.Ordinal);
        Assert.True(double.IsNaN(at10.CiLow));

        // FAR 0.01 on 10 impostors cannot be observed: said so, and flagged.
        Assert.False(r.Points[1].EnoughImpostors);
        Assert.Contains("too few impostor pairs for FAR 0.01", r.Points[1].Note, StringComparison.Ordinal);

        // Accuracy walk from the top: t 2.1 -> 4 right; impostors 1.1 1.0 0.9 0.8 -> 8; 0.7 (one of each) 8; 0.6 -> 9 at t 0.55;
        // 0.5, 0.4, 0.3 (one of each) 9; 0.2 -> 10 below everything, t = 0.2 - 1: with 10 impostors to 4 genuine, rejecting all wins.
        var best = r.Points[2];
        Assert.Equal(OperatingPointKind.Accuracy, best.Kind);
        Assert.Equal(-0.8, best.Threshold, 12);
        Assert.Equal(10.0 / 14, best.Accuracy, 12);

        // dlib's 0.6: accepts genuine 0.3 0.4 0.5 (3/4) and impostors 0.2..0.5 (4/10); right 3 + 6 = 9 of 14.
        Assert.Equal((0.6, 0.4, 0.75, 9.0 / 14), (r.AtDefault.Threshold, r.AtDefault.Far, r.AtDefault.Tar, r.AtDefault.Accuracy));
    }

    [Fact]
    public void The_bootstrap_interval_is_the_percentiles_of_stratified_resamples_drawn_in_a_fixed_order()
    {
        double[] genuine = [0.31, 0.35, 0.42, 0.48, 0.52, 0.58];
        double[] impostor = [0.55, 0.61, 0.66, 0.7, 0.72, 0.75, 0.79, 0.83, 0.88, 0.9, 0.94, 0.99];
        var pairs = genuine.Select(d => new ScoredPair(d, true, 0)).Concat(impostor.Select(d => new ScoredPair(d, false, 0))).ToList();
        const int B = 200;
        var r = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions([0.1], B, Seed: 42));

        // Replayed independently: per replicate, draw 6 genuine indices then 12 impostor indices; the FAR 0.1 threshold of a resample
        // is its 2nd smallest impostor distance (floor(1.2) = 1 false accept allowed).
        var rng = new Random(42);
        var reps = new double[B];
        for (var b = 0; b < B; b++)
        {
            for (var k = 0; k < genuine.Length; k++)
            {
                rng.Next(genuine.Length);
            }

            var sample = Enumerable.Range(0, impostor.Length).Select(_ => impostor[rng.Next(impostor.Length)]).Order().ToArray();
            reps[b] = sample[1];
        }

        Array.Sort(reps);
        double Q(double p)
        {
            var h = (B - 1) * p;
            var lo = (int)Math.Floor(h);
            return reps[lo] + ((h - lo) * (reps[lo + 1] - reps[lo]));
        }

        Assert.Equal(0.61, r.Points[0].Threshold);
        Assert.Equal(Q(0.025), r.Points[0].CiLow, 12);
        Assert.Equal(Q(0.975), r.Points[0].CiHigh, 12);
        Assert.True(r.Points[0].CiLow <= r.Points[0].Threshold && r.Points[0].Threshold <= r.Points[0].CiHigh);

        // The same seed gives the same interval; the interval of the accuracy point brackets its estimate.
        var again = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions([0.1], B, Seed: 42));
        Assert.Equal(r.Points, again.Points);
        Assert.InRange(r.Points[1].Threshold, r.Points[1].CiLow, r.Points[1].CiHigh);
    }

    [Fact]
    public void Choose_takes_the_first_far_with_enough_impostors_else_accuracy_and_honours_use()
    {
        var pairs = new[] { 0.3, 0.4 }.Select(d => new ScoredPair(d, true, 0)).Concat(Impostors.Select(d => new ScoredPair(d, false, 0))).ToList();
        var r = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions([0.01, 0.1], Bootstrap: 0));
        Assert.Equal("far 0.1", CalibrationStore.Choose(r, null).Name);
        Assert.Equal("accuracy", CalibrationStore.Choose(r, "accuracy").Name);
        Assert.Equal("far 0.01", CalibrationStore.Choose(r, "1e-2").Name);
        Assert.Throws<FaceIndexException>(() => CalibrationStore.Choose(r, "0.5"));

        var tooFew = ThresholdCalibration.Calibrate(pairs, new CalibrationOptions([0.001], Bootstrap: 0));
        Assert.Equal("accuracy", CalibrationStore.Choose(tooFew, null).Name);
    }

    [Fact]
    public void Calibrate_refuses_pairs_of_one_kind_and_bad_targets()
    {
        var onlyGenuine = new[] { new ScoredPair(0.3, true, 0) };
        Assert.Contains("same-person and different-person", Assert.Throws<FaceIndexException>(() => ThresholdCalibration.Calibrate(onlyGenuine)).Message, StringComparison.Ordinal);
        var both = new[] { new ScoredPair(0.3, true, 0), new ScoredPair(0.9, false, 0) };
        Assert.Throws<FaceIndexException>(() => ThresholdCalibration.Calibrate(both, new CalibrationOptions([1.5])));
    }
}
