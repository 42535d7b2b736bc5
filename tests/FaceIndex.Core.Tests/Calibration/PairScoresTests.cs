using FaceIndex.Evaluation;

namespace FaceIndex.Tests.Calibration;

/// <summary>The per-pair rows and the choice of the worst errors, on hand-made outcomes.</summary>
public class PairScoresTests
{
    [Fact]
    public void Rows_are_decided_at_their_fold_threshold_and_the_worst_errors_are_furthest_past_it()
    {
        var rows = new List<PairScore>
        {
            new(0, 0, false, "a", "b", 0.30, 0.6, true, SubjectSource.Detected, SubjectSource.Detected),  // false accept, margin 0.30
            new(1, 0, false, "a", "c", 0.55, 0.6, true, SubjectSource.Detected, SubjectSource.Center),    // false accept, margin 0.05
            new(2, 1, true, "d", "e", 0.90, 0.6, false, SubjectSource.DetectedOnRetry, SubjectSource.Detected), // false reject, margin 0.30
            new(3, 1, true, "d", "f", 0.40, 0.6, true, SubjectSource.Detected, SubjectSource.Detected),   // right
            new(4, 1, true, "d", "g", null, 0.6, null, SubjectSource.Failed, SubjectSource.Detected),    // no face: wrong, not an "error" to draw
        };
        var (fa, fr) = PairScores.WorstErrors(rows, 1);
        Assert.Equal(0, Assert.Single(fa).Index);
        Assert.Equal(2, Assert.Single(fr).Index);
        Assert.False(rows[4].Correct);
        Assert.True(rows[3].Correct);

        var dir = Path.Combine(Path.GetTempPath(), "faceindex-scores-" + Guid.NewGuid().ToString("N"));
        try
        {
            var csv = Path.Combine(dir, "scores.csv");
            PairScores.WriteCsv(csv, rows);
            var lines = File.ReadAllLines(csv);
            Assert.Equal("index,fold,label,a,b,score,threshold,decision,correct,source_a,source_b", lines[0]);
            Assert.Equal("1,0,different,a,c,0.55,0.6,same,0,detected,centre fallback", lines[2]);
            Assert.Equal("2,1,same,d,e,0.9,0.6,different,0,retry,detected", lines[3]);
            Assert.Equal("4,1,same,d,g,,0.6,no face,0,failed,detected", lines[5]);
        }
        finally
        {
            Directory.Delete(dir, true);
        }
    }
}
