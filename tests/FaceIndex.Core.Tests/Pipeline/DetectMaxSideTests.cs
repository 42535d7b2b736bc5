using FaceIndex.Pipeline;

namespace FaceIndex.Tests.Pipeline;

/// <summary>Detection on a reduced copy of a large photo finds the same faces, with boxes mapped back to full size.</summary>
public sealed class DetectMaxSideTests
{
    [Fact]
    public void Boxes_found_on_a_reduced_copy_match_the_full_size_detection()
    {
        using var engine = FaceEngine.Load();
        var photo = TestPaths.DataFile("faces", "queries", "obama2.jpg");
        var full = engine.Analyze(photo, new PipelineOptions(Upsample: 1, Embed: true));
        var reduced = engine.Analyze(photo, new PipelineOptions(Upsample: 1, Embed: true, DetectMaxSide: 400));
        Assert.True(Math.Max(reduced.Image.Image.Width, reduced.Image.Image.Height) > 400, "the photo must be larger than the copy");
        Assert.Equal(full.Faces.Count, reduced.Faces.Count);
        var a = full.Faces[0].Box;
        var b = reduced.Faces[0].Box;
        var tolerance = a.Width * 0.15;
        Assert.InRange(Math.Abs(a.CenterX - b.CenterX), 0, tolerance);
        Assert.InRange(Math.Abs(a.CenterY - b.CenterY), 0, tolerance);
        Assert.InRange(b.Width, a.Width * 0.8, a.Width * 1.25);

        // Landmarks and the embedding come from the full image: the same person, closely.
        var distance = System.Numerics.Tensors.TensorPrimitives.Distance(full.Faces[0].Embedding!, reduced.Faces[0].Embedding!);
        Assert.InRange(distance, 0f, 0.25f);
    }
}
