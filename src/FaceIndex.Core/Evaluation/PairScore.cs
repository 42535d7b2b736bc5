namespace FaceIndex.Evaluation;

/// <summary>One verification pair as scored and decided: what the per-pair CSV holds.</summary>
/// <param name="Index">Position in the pairs file (from 0).</param>
/// <param name="Fold">Its fold.</param>
/// <param name="Same">The label: same person.</param>
/// <param name="PathA">First image.</param>
/// <param name="PathB">Second image.</param>
/// <param name="Score">Distance (or similarity), null when a face was missing.</param>
/// <param name="Threshold">The threshold its fold was decided with (learnt on the other folds).</param>
/// <param name="DecidedSame">The decision; null when there was no score.</param>
/// <param name="SourceA">Where A's face came from.</param>
/// <param name="SourceB">Where B's face came from.</param>
public sealed record PairScore(int Index, int Fold, bool Same, string PathA, string PathB, double? Score, double Threshold, bool? DecidedSame, SubjectSource SourceA, SubjectSource SourceB)
{
    /// <summary>Whether the decision matches the label (a pair without a score is wrong, as the metrics count it).</summary>
    public bool Correct => DecidedSame == Same;

    /// <summary>How far the score is past the threshold on the wrong side: the confidence of an error (0 for a missing score).</summary>
    public double Margin => Score is { } s ? Math.Abs(s - Threshold) : 0;
}
