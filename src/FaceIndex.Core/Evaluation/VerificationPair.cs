namespace FaceIndex.Evaluation;

/// <summary>One face-verification trial: two image paths, whether they show the same person, and the cross-validation fold it belongs to.</summary>
/// <param name="PathA">The first image (relative to the pairs file's image root unless the root was given).</param>
/// <param name="PathB">The second image.</param>
/// <param name="Same">True for a matched (genuine) pair, false for a mismatched (impostor) pair.</param>
/// <param name="Fold">The fold, 0-based: for LFW the set number in file order; for CSV see <see cref="PairsFile.ReadCsv"/>.</param>
public sealed record VerificationPair(string PathA, string PathB, bool Same, int Fold);

/// <summary>A verification pair after comparison: its score (null when no face was found in either image), label and fold.</summary>
/// <param name="Score">The comparison score in the units of <see cref="ScoreDirection"/>; null means a face was missing.</param>
/// <param name="Same">True for a matched pair.</param>
/// <param name="Fold">The fold the pair belongs to.</param>
public readonly record struct ScoredPair(double? Score, bool Same, int Fold);

/// <summary>Which way a score points: a distance (lower means same person) or a similarity (higher means same person).</summary>
public enum ScoreDirection
{
    /// <summary>Lower means more alike (e.g. Euclidean distance; dlib's usual threshold is 0.6). A pair is called "same" when distance &lt; threshold.</summary>
    Distance,

    /// <summary>Higher means more alike (e.g. cosine similarity). A pair is called "same" when similarity &gt; threshold.</summary>
    Similarity,
}

/// <summary>
/// What to do with a pair whose score is null because no face was found. (The third usual policy, embedding a centre crop of an image
/// without a detected face, is applied upstream: such pairs arrive here with a score.)
/// </summary>
public enum MissingScorePolicy
{
    /// <summary>
    /// The pair stays and is always wrong: in accuracy it counts as misclassified in its fold; in the ROC, AUC, EER and TAR@FAR it gets the
    /// worst score for its label (a matched pair is never accepted, a mismatched pair is always accepted).
    /// </summary>
    Error,

    /// <summary>The pair is dropped before any metric is computed; the number dropped is reported.</summary>
    Exclude,
}
