using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

/// <summary>d' and score fusion against values computed by hand.</summary>
public sealed class ComparisonTests
{
    [Fact]
    public void DPrime_is_the_mean_gap_over_the_pooled_sd_whatever_the_direction()
    {
        // Matched 1, 3 (mean 2, variance 2); mismatched 0, 2 (mean 1, variance 2): d' = 1 / sqrt(2).
        ScoredPair[] similarities = [new(1, true, 1), new(3, true, 1), new(0, false, 1), new(2, false, 1), new(null, true, 1)];
        ScoredPair[] distances = [.. similarities.Select(p => p with { Score = -p.Score })];

        Assert.Equal(1 / Math.Sqrt(2), Separation.DPrime(similarities, ScoreDirection.Similarity), 12);
        Assert.Equal(1 / Math.Sqrt(2), Separation.DPrime(distances, ScoreDirection.Distance), 12);
    }

    [Fact]
    public void Fusion_z_scores_each_fold_with_the_other_folds_statistics_only()
    {
        // Fold 1: 2 (same), 1 (different); fold 2: 5 (same), 3 (different). Member B is member A as a distance.
        ScoredPair[] a = [new(2, true, 1), new(1, false, 1), new(5, true, 2), new(3, false, 2)];
        ScoredPair[] b = [.. a.Select(p => p with { Score = -p.Score })];

        var (result, scores) = ScoreFusion.Fuse([(a, ScoreDirection.Similarity), (b, ScoreDirection.Distance)], MissingScorePolicy.Error);

        // Fold 1 uses fold 2's mean 4 and SD sqrt(2); fold 2 uses fold 1's mean 1.5 and SD sqrt(0.5); two equal members double z.
        double[] expected = [2 * (2 - 4) / Math.Sqrt(2), 2 * (1 - 4) / Math.Sqrt(2), 2 * (5 - 1.5) / Math.Sqrt(0.5), 2 * (3 - 1.5) / Math.Sqrt(0.5)];
        for (var i = 0; i < expected.Length; i++)
        {
            Assert.Equal(expected[i], scores[i].Score!.Value, 9);
        }

        Assert.Equal(2, result.Folds.Count);
        Assert.Equal(ScoreDirection.Similarity, result.Direction);
    }

    [Fact]
    public void Fusion_of_a_member_with_a_copy_of_itself_keeps_its_accuracy()
    {
        var random = new Random(3);
        var pairs = Enumerable.Range(0, 200).Select(i => new ScoredPair((i % 2 == 0 ? 1.0 : 0.0) + (random.NextDouble() * 1.5), i % 2 == 0, (i % 10) + 1)).ToArray();
        var alone = VerificationMetrics.Evaluate(pairs, ScoreDirection.Similarity, MissingScorePolicy.Error);

        var (fused, _) = ScoreFusion.Fuse([(pairs, ScoreDirection.Similarity), (pairs, ScoreDirection.Similarity)], MissingScorePolicy.Error);

        // Per fold, the fusion is a monotone map of the member's scores, so each fold's threshold splits the same pairs.
        // (The pooled ROC mixes ten slightly different scalings, so its AUC is not the member's exactly.)
        Assert.Equal(alone.MeanAccuracy, fused.MeanAccuracy, 9);
        Assert.Equal(alone.Folds.Select(f => f.TestAccuracy), fused.Folds.Select(f => f.TestAccuracy));
    }

    [Fact]
    public void A_pair_missing_in_one_member_is_missing_in_the_fusion()
    {
        ScoredPair[] a = [new(2, true, 1), new(1, false, 1), new(5, true, 2), new(3, false, 2), new(4, true, 2)];
        ScoredPair[] b = [new(2, true, 1), new(1, false, 1), new(5, true, 2), new(3, false, 2), new(null, true, 2)];

        var (result, scores) = ScoreFusion.Fuse([(a, ScoreDirection.Similarity), (b, ScoreDirection.Similarity)], MissingScorePolicy.Error);

        Assert.Null(scores[4].Score);
        Assert.Equal(1, result.MissingMatched);
    }
}
