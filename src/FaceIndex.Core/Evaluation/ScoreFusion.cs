namespace FaceIndex.Evaluation;

/// <summary>
/// Score-level fusion of several configurations' scores on the same pairs: each score turned into a similarity, z-scored
/// with the mean and SD of that configuration's scores in the training folds only, and summed. Each fold's threshold is
/// then learnt on the training folds' fused scores and tested on the fold, as the LFW protocol does; nothing about the
/// test fold (not even its unlabelled scores) enters its statistics.
/// </summary>
public static class ScoreFusion
{
    /// <summary>The fused result: per-fold accuracy as above; ROC, AUC, EER and d' over every pair's score fused with its own fold's training statistics.</summary>
    public static (VerificationResult Result, IReadOnlyList<ScoredPair> Scores) Fuse(
        IReadOnlyList<(IReadOnlyList<ScoredPair> Scores, ScoreDirection Direction)> members, MissingScorePolicy missingPolicy)
    {
        ArgumentNullException.ThrowIfNull(members);
        if (members.Count < 2)
        {
            throw new FaceIndexException("fusion needs at least two configurations (--model a,b)");
        }

        var count = members[0].Scores.Count;
        if (members.Any(m => m.Scores.Count != count))
        {
            throw new ArgumentException("every configuration must score the same pairs", nameof(members));
        }

        var pairs = members[0].Scores;
        var folds = pairs.Select(p => p.Fold).Distinct().Order().ToArray();
        var similarity = members.Select(m => m.Scores.Select(p => p.Score is { } s ? (m.Direction == ScoreDirection.Similarity ? s : -s) : (double?)null).ToArray()).ToArray();

        List<ScoredPair> FusedWith(int heldOut)
        {
            var stats = similarity.Select(s => TrainStats(s, pairs, heldOut)).ToArray();
            return [.. Enumerable.Range(0, count).Select(i =>
            {
                double? sum = 0;
                for (var m = 0; m < members.Count && sum is not null; m++)
                {
                    sum = similarity[m][i] is { } s ? sum + ((s - stats[m].Mean) / stats[m].Sd) : null;
                }

                return new ScoredPair(sum, pairs[i].Same, pairs[i].Fold);
            })];
        }

        var foldResults = new List<FoldResult>(folds.Length);
        var ownFold = new ScoredPair[count];
        foreach (var fold in folds)
        {
            var fused = FusedWith(fold);
            foldResults.Add(VerificationMetrics.Evaluate(fused, ScoreDirection.Similarity, missingPolicy).Folds.Single(f => f.Fold == fold));
            for (var i = 0; i < count; i++)
            {
                if (pairs[i].Fold == fold)
                {
                    ownFold[i] = fused[i];
                }
            }
        }

        var overall = VerificationMetrics.Evaluate(ownFold, ScoreDirection.Similarity, missingPolicy);
        var accuracies = foldResults.Select(f => f.TestAccuracy).ToArray();
        var mean = accuracies.Average();
        var sd = Math.Sqrt(accuracies.Sum(a => (a - mean) * (a - mean)) / (accuracies.Length - 1));
        return (overall with { Folds = foldResults, MeanAccuracy = mean, AccuracySd = sd, AccuracySe = sd / Math.Sqrt(accuracies.Length) }, ownFold);
    }

    // Mean and SD of one configuration's scores outside the held-out fold (labels are not used).
    private static (double Mean, double Sd) TrainStats(double?[] scores, IReadOnlyList<ScoredPair> pairs, int heldOut)
    {
        var train = scores.Where((s, i) => s is not null && pairs[i].Fold != heldOut).Select(s => s!.Value).ToList();
        if (train.Count < 2)
        {
            throw new FaceIndexException("fusion: too few scored pairs in the training folds to z-score");
        }

        var mean = train.Average();
        var sd = Math.Sqrt(train.Sum(v => (v - mean) * (v - mean)) / (train.Count - 1));
        return (mean, sd > 0 ? sd : 1);
    }
}
