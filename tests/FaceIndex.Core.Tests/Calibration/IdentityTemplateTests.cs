using FaceIndex.Evaluation;
using FaceIndex.Search;

namespace FaceIndex.Tests.Calibration;

/// <summary>Identity template scores and open-set FPIR/FNIR points, by hand on 2-d embeddings.</summary>
public class IdentityTemplateTests
{
    [Fact]
    public void Template_scores_match_the_hand_computation()
    {
        // Probe (0, 0); faces at distances 5, 1, 2. max = 1; top-2 = (1 + 2) / 2; mean embedding (1, 7/3) -> sqrt(1 + 49/9).
        float[] probe = [0, 0];
        float[][] faces = [[3, 4], [0, 1], [0, 2]];
        Assert.Equal(1f, IdentityGallery.Score(probe, faces, null, IdentityTemplate.Max));
        Assert.Equal(1.5f, IdentityGallery.Score(probe, faces, null, IdentityTemplate.TopK, topK: 2));
        Assert.Equal((1f + 2f + 5f) / 3f, IdentityGallery.Score(probe, faces, null, IdentityTemplate.TopK, topK: 10), 6);
        Assert.Equal(Math.Sqrt(1 + (49.0 / 9)), IdentityGallery.Score(probe, faces, null, IdentityTemplate.Mean), 5);
    }

    private static readonly IdentificationSample[] Samples =
    [
        new(0, [0, 0]), new(0, [0, 0.2f]),      // enrolled
        new(1, [1, 0]), new(1, [1, 0.4f]),      // enrolled
        new(2, [0.5f, 0]), new(2, [3, 0]),      // held out: non-mated probes
    ];

    [Theory]
    [InlineData(0.45, 0.0, 0.0)] // mated rank-1 scores 0.2 0.2 0.4 0.4 all below; non-mated 0.5 and 2 not
    [InlineData(0.3, 0.0, 0.5)]  // the two 0.4 mated scores miss
    [InlineData(0.6, 0.5, 0.0)]  // the non-mated (0.5, 0) names somebody at 0.5
    public void Fpir_and_fnir_at_a_threshold_match_the_hand_computation(double threshold, double fpir, double fnir)
    {
        // Leave one out, max template: A (0,0) -> id 0 at 0.2 (its other face), id 1 at 1; B -> id 0 at 0.2; C (1,0) -> id 1 at 0.4;
        // D -> id 1 at 0.4. Non-mated (0.5, 0): both identities at 0.5 (tie -> lower label); (3, 0): id 1 at 2.
        var r = OpenSetIdentification.Evaluate(Samples, [IdentityTemplate.Max], threshold, new HashSet<int> { 2 })[0];
        Assert.Equal((2, 4, 4, 2), (r.GalleryIdentities, r.GalleryFaces, r.MatedProbes, r.NonMatedProbes));
        Assert.Equal(1.0, r.Rank1);
        Assert.Equal(fpir, r.AtThreshold.Fpir, 12);
        Assert.Equal(fnir, r.AtThreshold.Fnir, 12);
    }

    [Fact]
    public void The_det_curve_and_fnir_at_fpir_match_the_hand_computation_and_templates_differ_where_they_should()
    {
        // DET (accept at or below): nothing (0, 1); 0.2 -> (0, 0.5); 0.4 -> (0, 0); 0.5 -> (0.5, 0); 2 -> (1, 0).
        var max = OpenSetIdentification.Evaluate(Samples, [IdentityTemplate.Max, IdentityTemplate.Mean], 0.505, new HashSet<int> { 2 }, fpirTargets: [0.5, 0.01]);
        Assert.Equal(
            [(0.0, 1.0), (0.0, 0.5), (0.0, 0.0), (0.5, 0.0), (1.0, 0.0)],
            max[0].Det.Select(p => (p.Fpir, p.Fnir)));
        Assert.Equal((0.0, 0.5, 0.5), (max[0].FnirAtFpir[0].Fnir, max[0].FnirAtFpir[0].AchievedFpir, Math.Round(max[0].FnirAtFpir[0].Threshold, 6)));
        Assert.Null(max[0].FnirAtFpir[0].Note);
        Assert.Contains("too few non-mated probes", max[0].FnirAtFpir[1].Note, StringComparison.Ordinal);

        // At 0.505 the max template accepts the non-mated (0.5, 0) at 0.5; the mean template scores it 0.5099 against id 0's mean
        // (0, 0.1), so rejects it.
        Assert.Equal(0.5, max[0].AtThreshold.Fpir);
        Assert.Equal(0.0, max[1].AtThreshold.Fpir);
    }

    [Fact]
    public void The_seeded_split_holds_out_at_least_one_identity_and_is_repeatable()
    {
        var a = OpenSetIdentification.Evaluate(Samples, [IdentityTemplate.Max], 0.6, seed: 3, unknownFraction: 0.3);
        var b = OpenSetIdentification.Evaluate(Samples, [IdentityTemplate.Max], 0.6, seed: 3, unknownFraction: 0.3);
        Assert.Equal(a[0].NonMatedProbes, b[0].NonMatedProbes);
        Assert.Equal(a[0].AtThreshold, b[0].AtThreshold);
        Assert.Equal(2, a[0].NonMatedProbes);
    }

    [Theory]
    [InlineData(IdentityTemplate.Max)]
    [InlineData(IdentityTemplate.TopK)]
    [InlineData(IdentityTemplate.Mean)]
    public void The_open_set_scores_equal_the_gallery_template_scores(IdentityTemplate template)
    {
        // Random 8-d faces: 6 identities of 1-5 faces; identity 5 held out. A stranger's rank-1 score must be the best
        // IdentityGallery.Score over the enrolled identities; a mated probe's, computed without itself.
        var rng = new Random(11);
        var samples = new List<IdentificationSample>();
        for (var id = 0; id < 6; id++)
        {
            for (var n = 0; n < 1 + (id % 5); n++)
            {
                samples.Add(new IdentificationSample(id, [.. Enumerable.Range(0, 8).Select(_ => (float)rng.NextDouble())]));
            }
        }

        var r = OpenSetIdentification.Evaluate(samples, [template], 0.5, new HashSet<int> { 5 }, topK: 2)[0];
        var enrolled = samples.Where(s => s.Identity != 5).ToList();
        var matedProbes = enrolled.Where(s => enrolled.Count(o => o.Identity == s.Identity) > 1).ToList();
        var nonMated = samples.Where(s => s.Identity == 5).ToList();
        var expected = matedProbes.Select(p => Best(p, enrolled.Where(o => !ReferenceEquals(o, p))))
            .Concat(nonMated.Select(p => Best(p, enrolled))).ToList();
        Assert.Equal(expected.Count, r.Probes.Count);
        for (var k = 0; k < expected.Count; k++)
        {
            Assert.Equal(expected[k], r.Probes[k].Rank1Score, 5);
        }

        float Best(IdentificationSample probe, IEnumerable<IdentificationSample> gallery) =>
            gallery.GroupBy(g => g.Identity).Min(g => IdentityGallery.Score(probe.Embedding, [.. g.Select(x => x.Embedding)], null, template, 2));
    }
}
