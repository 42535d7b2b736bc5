using FaceIndex.Evaluation;
using FaceIndex.Search;
using FaceIndex.Tests.Evaluation;

namespace FaceIndex.Tests.Calibration;

/// <summary>Per-group figures by hand: Wilson intervals, the FAR each group gets at the global threshold, and groups too small for a figure.</summary>
public class GroupMetricsTests
{
    [Fact]
    public void Wilson_intervals_match_the_closed_form()
    {
        // 0 of 10: [0, z^2 / (n + z^2)]; 5 of 10: 0.5 +- z sqrt(0.025 + z^2/400) / (1 + z^2/10).
        const double Z = RateCi.Z95;
        var zero = RateCi.Wilson(0, 10);
        Assert.Equal(0, zero.Low, 12);
        Assert.Equal(Z * Z / (10 + (Z * Z)), zero.High, 12);
        var half = RateCi.Wilson(5, 10);
        var h = Z * Math.Sqrt(0.025 + (Z * Z / 400)) / (1 + (Z * Z / 10));
        Assert.Equal((0.5 - h, 0.5 + h), (half.Low, half.High));
        Assert.Equal(0.2366, half.Low, 4);
        Assert.Contains("too few (4 pairs; needs 10)", RateCi.Wilson(1, 4, 10).ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Each_group_gets_its_own_far_at_the_global_threshold_and_cross_group_pairs_stand_apart()
    {
        // Group A: impostors 0.30 0.50 x9 (10), genuine 0.20 x10. Group B: impostors 0.40 0.45 and 0.80 x8, genuine 0.35 x10.
        // Across: impostors 0.90 x10. All 30 impostors sorted: 0.30 0.40 0.45 0.50x9 0.80x8 0.90x10.
        // FAR 0.1 of 30 allows 3 false accepts: the global threshold is the 4th smallest, 0.50.
        // At 0.50 (accept < 0.50): A accepts 0.30 -> FAR 1/10; B accepts 0.40 0.45 -> FAR 2/10; across 0/10.
        var pairs = new List<(double?, bool, string?, string?)>();
        pairs.AddRange(Enumerable.Repeat<(double?, bool, string?, string?)>((0.20, true, "A", "A"), 10));
        pairs.Add((0.30, false, "A", "A"));
        pairs.AddRange(Enumerable.Repeat<(double?, bool, string?, string?)>((0.50, false, "A", "A"), 9));
        pairs.AddRange(Enumerable.Repeat<(double?, bool, string?, string?)>((0.35, true, "B", "B"), 10));
        pairs.Add((0.40, false, "B", "B"));
        pairs.Add((0.45, false, "B", "B"));
        pairs.AddRange(Enumerable.Repeat<(double?, bool, string?, string?)>((0.80, false, "B", "B"), 8));
        pairs.AddRange(Enumerable.Repeat<(double?, bool, string?, string?)>((0.90, false, "A", "B"), 10));
        pairs.Add((null, true, "A", "A"));
        pairs.Add((0.1, true, "C", null));

        var r = GroupVerification.Evaluate(pairs, [0.1, 0.01], minimumPairs: 10, bootstrap: 50, seed: 3);
        Assert.Equal(["A", "B"], r.Groups.Select(g => g.Group));
        var a = r.Groups[0].AtFar[0];
        var b = r.Groups[1].AtFar[0];
        Assert.Equal(0.5, a.GlobalThreshold);
        Assert.Equal((1, 10, 0.1), (a.FarAtGlobal.Count, a.FarAtGlobal.Of, a.FarAtGlobal.Value));
        Assert.Equal((2, 10, 0.2), (b.FarAtGlobal.Count, b.FarAtGlobal.Of, b.FarAtGlobal.Value));
        Assert.Equal(RateCi.Wilson(2, 10), b.FarAtGlobal);
        Assert.Equal(1.0, a.TarAtGlobal.Value);

        // Own thresholds at FAR 0.1 of 10 impostors (1 allowed): A 0.50 (TAR 1), B 0.45 (TAR 1).
        Assert.Equal((0.5, 0.45), (a.OwnThreshold, b.OwnThreshold));
        Assert.Equal(1.0, b.TarAtOwn.Value);

        // FAR 0.01 needs 100 impostor pairs per group: no figure, and the reason instead.
        Assert.Contains("too few (10 impostor pairs; needs 100)", r.Groups[0].AtFar[1].FarAtGlobal.ToString(), StringComparison.Ordinal);
        Assert.True(double.IsNaN(r.Groups[0].AtFar[1].OwnThreshold));

        // Pairs across groups and with an unmapped image are apart; the pair without a score is counted, not used.
        Assert.Equal((10, 0), (r.AcrossGroups!.Impostor, r.AcrossGroups.AtFar[0].FarAtGlobal.Count));
        Assert.Equal(1, r.Unmapped!.Pairs);
        Assert.Equal(1, r.MissingPairs);
        Assert.Contains("| A | 20 | 10 | 10 |", GroupVerification.ToMarkdown(r), StringComparison.Ordinal);
    }

    [Fact]
    public void Group_map_reads_paths_and_identity_folders()
    {
        using var tmp = new TempDir();
        var file = tmp.Write("groups.csv", "key,group\nobama/obama.jpg,g1\nrose_leslie,g2\n");
        var map = GroupMap.Read(file);
        Assert.Equal("g1", map.ForImage("/data/obama/obama.jpg", "/data"));
        Assert.Equal("g2", map.ForImage("/data/rose_leslie/img1.jpg", "/data"));
        Assert.Null(map.ForImage("/data/kit/x.jpg", "/data"));
        Assert.Equal("g2", map.ForIdentity("rose_leslie"));
        Assert.Throws<FaceIndexException>(() => GroupMap.Read(tmp.Write("bad.csv", "a,g1\na,g2\n")));
    }

    [Fact]
    public void Identification_groups_count_their_probes_at_the_threshold()
    {
        IdentificationSample[] samples = [new(0, [0, 0]), new(0, [0, 0.2f]), new(1, [1, 0]), new(1, [1, 0.4f]), new(2, [0.5f, 0]), new(2, [3, 0])];
        var r = OpenSetIdentification.Evaluate(samples, [IdentityTemplate.Max], 0.3, new HashSet<int> { 2 })[0];
        var groups = GroupIdentification.Evaluate(r, id => id == 0 ? "g0" : "g12", 0.3, minimumProbes: 1);
        Assert.Equal(["g0", "g12"], groups.Select(g => g.Group));

        // g0: its two mated probes score 0.2 < 0.3: FNIR 0. g12: id 1's probes score 0.4 (missed, FNIR 2/2); id 2's strangers 0.5 and 2 (FPIR 0).
        Assert.Equal((2, 0, 0.0), (groups[0].MatedProbes, groups[0].NonMatedProbes, groups[0].Fnir.Value));
        Assert.Equal((2, 2, 1.0, 0.0), (groups[1].MatedProbes, groups[1].NonMatedProbes, groups[1].Fnir.Value, groups[1].Fpir.Value));
    }
}
