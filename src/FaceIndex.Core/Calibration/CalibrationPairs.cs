using FaceIndex.Evaluation;
using FaceIndex.Search;

namespace FaceIndex.Calibration;

/// <summary>Labelled pairs for calibration from faces with identity labels (an indexed dataset).</summary>
public static class CalibrationPairs
{
    /// <summary>Impostor pairs used at most; beyond it they are sampled (seeded), since all pairs of n faces grow as n squared. 200,000 show
    /// FAR 1e-4 twenty times, and keep 1,000 bootstrap replicates near 25 s on two cores (one replicate of 1M pairs took 0.12 s).</summary>
    public const int DefaultMaxImpostorPairs = 200_000;

    /// <summary>
    /// Every same-identity pair (genuine), and every different-identity pair (impostor) when there are at most
    /// <paramref name="maxImpostorPairs"/> of them, else that many drawn uniformly with replacement (<c>new Random(seed)</c>, two indices
    /// a draw, redrawn while the identities match). Scores are Euclidean distances of the raw embeddings; fold is 0.
    /// </summary>
    public static IReadOnlyList<ScoredPair> FromLabelledFaces(IReadOnlyList<(string Identity, float[] Embedding)> faces, int seed = 1, int maxImpostorPairs = DefaultMaxImpostorPairs)
    {
        ArgumentNullException.ThrowIfNull(faces);
        var pairs = new List<ScoredPair>();
        long impostorTotal = 0;
        var byIdentity = faces.GroupBy(f => f.Identity, StringComparer.Ordinal).Select(g => g.ToList()).ToList();
        foreach (var members in byIdentity)
        {
            for (var a = 0; a < members.Count; a++)
            {
                for (var b = a + 1; b < members.Count; b++)
                {
                    pairs.Add(new ScoredPair(FaceDistance.Euclidean(members[a].Embedding, members[b].Embedding), true, 0));
                }
            }
        }

        var n = (long)faces.Count;
        impostorTotal = (n * (n - 1) / 2) - pairs.Count;
        if (impostorTotal <= maxImpostorPairs)
        {
            for (var a = 0; a < faces.Count; a++)
            {
                for (var b = a + 1; b < faces.Count; b++)
                {
                    if (!string.Equals(faces[a].Identity, faces[b].Identity, StringComparison.Ordinal))
                    {
                        pairs.Add(new ScoredPair(FaceDistance.Euclidean(faces[a].Embedding, faces[b].Embedding), false, 0));
                    }
                }
            }

            return pairs;
        }

        var rng = new Random(seed);
        for (var k = 0; k < maxImpostorPairs; k++)
        {
            int a, b;
            do
            {
                a = rng.Next(faces.Count);
                b = rng.Next(faces.Count);
            }
            while (string.Equals(faces[a].Identity, faces[b].Identity, StringComparison.Ordinal));
            pairs.Add(new ScoredPair(FaceDistance.Euclidean(faces[a].Embedding, faces[b].Embedding), false, 0));
        }

        return pairs;
    }
}
