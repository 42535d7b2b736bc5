using FaceIndex.Pipeline;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Tests.Pipeline;

/// <summary>An image with fifty faces: every face is found, placed, aligned and embedded; MaxFaces caps the work.</summary>
public sealed class ManyFacesTests : IDisposable
{
    private readonly string _path = Path.Combine(Path.GetTempPath(), $"fifty-faces-{Guid.NewGuid():N}.png");

    public ManyFacesTests()
    {
        // Fifty real faces: the eight golden chips, repeated on a 10 x 5 grid with a margin.
        using var collage = new Image<Rgb24>(10 * 170, 5 * 170, new Rgb24(255, 255, 255));
        for (var i = 0; i < 50; i++)
        {
            using var chip = Image.Load<Rgb24>(TestPaths.DataFile("weights-golden", $"chip{i % 8}.png"));
            collage.Mutate(x => x.DrawImage(chip, new Point((i % 10 * 170) + 10, (i / 10 * 170) + 10), 1f));
        }

        collage.SaveAsPng(_path);
    }

    [Fact]
    public void Fifty_faces_are_all_found_and_embedded()
    {
        using var engine = FaceEngine.Load();
        var analysis = engine.Analyze(_path, new PipelineOptions(Upsample: 0));
        Assert.InRange(analysis.Faces.Count, 45, 50);
        Assert.All(analysis.Faces, f =>
        {
            Assert.Equal(68, f.Landmarks.Points.Count);
            Assert.Equal(128, f.Embedding!.Length);
        });
        Assert.InRange(analysis.Subject, 0, analysis.Faces.Count - 1);
    }

    [Fact]
    public void MaxFaces_keeps_the_best_scoring_faces_only()
    {
        using var engine = FaceEngine.Load();
        var analysis = engine.Analyze(_path, new PipelineOptions(Upsample: 0, Embed: false, MaxFaces: 10));
        Assert.Equal(10, analysis.Faces.Count);
    }

    public void Dispose() => File.Delete(_path);
}
