using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Evaluation;

/// <summary>
/// CMC and DIR@FPIR on a hand-made 2-D embedding set, with the distances worked out by hand.
/// Gallery: 0 = A (0, 0), 1 = B (1, 0), 2 = C (0, 1).
/// Mated probes (Euclidean distance to A, B, C; rank of the mate):
///   A (0.1, 0): 0.1, 0.9, 1.005 -> rank 1 at 0.1
///   A (0.6, 0): 0.6, 0.4, 1.166 -> rank 2 (B nearer)
///   B (1, 0.2): 1.020, 0.2, 1.281 -> rank 1 at 0.2
///   C (0.8, 0.9): 1.204, 0.922, sqrt(0.65) = 0.806 -> rank 1 at 0.806
///   C (1.2, -0.1): 1.204, 0.224, 1.628 -> rank 3
/// Non-mated probes (rank-1 distance): D (0.5, 0.5): 0.707 (all three tie); E (3, 3): sqrt(13) = 3.606; F (0, 0.75): 0.25.
/// </summary>
public class IdentificationMetricsTests
{
    private const int A = 1, B = 2, C = 3;

    private static IdentificationSplit HandSplit() => new(
        Seed: 0,
        Gallery: [new(A, [0f, 0f]), new(B, [1f, 0f]), new(C, [0f, 1f])],
        MatedProbes: [new(A, [0.1f, 0f]), new(A, [0.6f, 0f]), new(B, [1f, 0.2f]), new(C, [0.8f, 0.9f]), new(C, [1.2f, -0.1f])],
        NonMatedProbes: [new(4, [0.5f, 0.5f]), new(5, [3f, 3f]), new(6, [0f, 0.75f])]);

    [Fact]
    public void Cmc_and_rank_k_match_the_hand_ranks()
    {
        // Ranks 1, 2, 1, 1, 3: CMC = 3/5, 4/5, 5/5; the gallery has 3 identities so the curve stops at rank 3 and rank-5/10 read rank 3.
        var r = IdentificationMetrics.Evaluate(HandSplit());

        Assert.Equal([0.6, 0.8, 1.0], r.Cmc);
        Assert.Equal((0.6, 1.0, 1.0), (r.Rank1, r.Rank5, r.Rank10));
        Assert.Equal((3, 5, 3, "exact"), (r.GallerySize, r.MatedProbeCount, r.NonMatedProbeCount, r.SearchName));
    }

    [Fact]
    public void Dir_at_fpir_matches_the_hand_computation()
    {
        // Rank-1 distances, nearest first: 0.1 (A, correct), 0.2 (B, correct), 0.25 (F, non-mated), 0.707 (D, non-mated),
        // 0.806 (C, correct), 3.606 (E, non-mated); the rank-2 and rank-3 probes are never "identified".
        // FPIR 1e-2, 1e-3 (< 1/3): no non-mated probe may pass -> threshold 0.2, DIR = 2/5 = 0.4.
        // FPIR 0.7: two of three non-mated may pass (2/3 <= 0.7) -> most lenient threshold 0.806, DIR = 3/5 = 0.6, FPIR reached 2/3.
        var r = IdentificationMetrics.Evaluate(HandSplit(), farTargets: [1e-2, 1e-3, 0.7]);

        Assert.Equal(3, r.DirAtFar.Count);
        AssertDir(r.DirAtFar[0], 1e-2, 0.4, 0, 0.2);
        AssertDir(r.DirAtFar[1], 1e-3, 0.4, 0, 0.2);
        AssertDir(r.DirAtFar[2], 0.7, 0.6, 2.0 / 3, Math.Sqrt(0.65));
    }

    [Fact]
    public void A_caller_search_returning_fewer_candidates_loses_the_deeper_ranks()
    {
        // An approximate search that returns only the nearest candidate: mates at rank 2 and 3 are never found.
        var exact = IdentificationMetrics.ExactSearch(HandSplit().Gallery, EmbeddingMetric.Euclidean);
        var r = IdentificationMetrics.Evaluate(HandSplit(), search: (probe, k) => [.. exact(probe, 1)], searchName: "top-1 only");

        Assert.Equal([0.6, 0.6, 0.6], r.Cmc);
        Assert.Equal("top-1 only", r.SearchName);
        Assert.Equal(0.4, r.DirAtFar[0].Dir, 1e-12);
    }

    [Fact]
    public void A_search_returning_an_id_outside_the_gallery_is_a_clear_error()
    {
        var ex = Assert.Throws<FaceIndexException>(() => IdentificationMetrics.Evaluate(HandSplit(), search: (_, _) => [(7, 0f)]));

        Assert.Contains("gallery id 7", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Exact_search_breaks_distance_ties_by_lower_gallery_index()
    {
        var search = IdentificationMetrics.ExactSearch(HandSplit().Gallery, EmbeddingMetric.Euclidean);

        var result = search([0.5f, 0.5f], 3);

        Assert.Equal([0, 1, 2], result.Select(x => x.id));
        Assert.All(result, x => Assert.Equal(Math.Sqrt(0.5), x.dist, 1e-6));
    }

    [Fact]
    public void Exact_search_ranks_equal_a_full_sort_on_random_embeddings()
    {
        var rng = new Random(5);
        float[] Vec() => [.. Enumerable.Range(0, 16).Select(_ => (float)rng.NextDouble())];
        var samples = Enumerable.Range(0, 120).Select(i => new IdentificationSample(i % 40, Vec())).ToList();
        var split = IdentificationSplit.Create(samples, seed: 1);

        var r = IdentificationMetrics.Evaluate(split, EmbeddingMetric.Cosine, maxRank: 10);

        var ranks = split.MatedProbes.Select(p => 1 + split.Gallery
            .Select((g, i) => (Identity: g.Identity, Dist: IdentificationMetrics.Distance(p.Embedding, g.Embedding, EmbeddingMetric.Cosine), Index: i))
            .OrderBy(x => x.Dist).ThenBy(x => x.Index).ToList().FindIndex(x => x.Identity == p.Identity)).ToList();
        for (var k = 1; k <= 10; k++)
        {
            Assert.Equal((double)ranks.Count(x => x <= k) / ranks.Count, r.Cmc[k - 1], 1e-12);
        }
    }

    [Fact]
    public void Cosine_distance_is_one_minus_cosine_similarity()
    {
        Assert.Equal(1f, IdentificationMetrics.Distance([1f, 0f], [0f, 3f], EmbeddingMetric.Cosine), 1e-6f);
        Assert.Equal(0f, IdentificationMetrics.Distance([1f, 1f], [2f, 2f], EmbeddingMetric.Cosine), 1e-6f);
        Assert.Equal(5f, IdentificationMetrics.Distance([0f, 0f], [3f, 4f], EmbeddingMetric.Euclidean), 1e-6f);
    }

    [Fact]
    public void Split_puts_one_image_per_identity_in_the_gallery_and_singletons_in_the_distractors()
    {
        // Identity 1: 3 images, 2: 2 images, 3: 1 image, 4: 4 images.
        int[] ids = [1, 2, 1, 3, 4, 4, 1, 2, 4, 4];
        var samples = ids.Select((id, i) => new IdentificationSample(id, [i, 0f])).ToList();

        var split = IdentificationSplit.Create(samples, seed: 42);
        var again = IdentificationSplit.Create(samples, seed: 42);

        Assert.Equal([1, 2, 4], split.Gallery.Select(s => s.Identity));
        Assert.Equal(6, split.MatedProbes.Count);
        Assert.Equal([3], split.NonMatedProbes.Select(s => s.Identity));
        Assert.Equal(42, split.Seed);
        Assert.Equal(samples.Count, split.Gallery.Count + split.MatedProbes.Count + split.NonMatedProbes.Count);
        Assert.Empty(split.Gallery.Intersect(split.MatedProbes));
        Assert.Equal(split.Gallery, again.Gallery);
        Assert.Equal(split.MatedProbes, again.MatedProbes);
        var seen = Enumerable.Range(0, 20).Select(seed => IdentificationSplit.Create(samples, seed).Gallery[2].Embedding[0]).Distinct().Count();
        Assert.True(seen > 1, "different seeds should choose different gallery images for the 4-image identity");
    }

    [Fact]
    public void Embeddings_of_different_lengths_are_a_clear_error()
    {
        var split = HandSplit() with { MatedProbes = [new(A, [0f, 0f, 0f])] };

        var ex = Assert.Throws<FaceIndexException>(() => IdentificationMetrics.Evaluate(split));

        Assert.Contains("length 3", ex.Message, StringComparison.Ordinal);
    }

    private static void AssertDir(DirAtFar d, double target, double dir, double far, double threshold)
    {
        Assert.Equal(target, d.TargetFar);
        Assert.Equal(dir, d.Dir, 1e-12);
        Assert.Equal(far, d.AchievedFar, 1e-12);
        Assert.Equal(threshold, d.Threshold, 1e-6);
    }
}
