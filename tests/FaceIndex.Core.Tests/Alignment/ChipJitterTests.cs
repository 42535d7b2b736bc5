using FaceIndex.Alignment;
using FaceIndex.Embedding;
using FaceIndex.Imaging;

namespace FaceIndex.Tests.Alignment;

/// <summary>dlib-style chip jitter: same size, small changes, reproducible from its seed, embeddings close to the plain chip's.</summary>
public sealed class ChipJitterTests
{
    private static RgbImage Chip(int i) => new ImageDecoder().Decode(TestPaths.DataFile("weights-golden", $"chip{i}.png")).Image;

    [Fact]
    public void A_jittered_copy_keeps_the_size_and_changes_the_pixels_a_little()
    {
        var chip = Chip(0);
        var copy = ChipJitter.Jitter(chip, new Random(1));
        Assert.Equal(chip.Width, copy.Width);
        Assert.Equal(chip.Height, copy.Height);
        Assert.NotEqual(chip.Pixels, copy.Pixels);
    }

    [Fact]
    public void The_same_seed_gives_the_same_copies()
    {
        var chip = Chip(1);
        var a = ChipJitter.Jitter(chip, new Random(5));
        var b = ChipJitter.Jitter(chip, new Random(5));
        Assert.Equal(a.Pixels, b.Pixels);
    }

    [Fact]
    public void Mirror_twice_is_the_identity_and_once_swaps_columns()
    {
        var chip = Chip(2);
        var once = ChipJitter.Mirror(chip);
        Assert.Equal(chip.Pixels.AsSpan(0, 3).ToArray(), once.Pixels.AsSpan((chip.Width - 1) * 3, 3).ToArray());
        Assert.Equal(chip.Pixels, ChipJitter.Mirror(once).Pixels);
    }

    [Fact]
    public void The_mean_embedding_of_jittered_copies_stays_the_same_person()
    {
        using var embedder = new DlibResNetEmbedder();
        var chip = Chip(3);
        var random = new Random(3);
        var copies = Enumerable.Range(0, 8).Select(_ => ChipJitter.Jitter(chip, random)).ToList();
        var vectors = embedder.Embed([chip, .. copies]);
        var mean = new float[vectors[0].Length];
        foreach (var v in vectors.Skip(1))
        {
            System.Numerics.Tensors.TensorPrimitives.Add(mean, v, mean);
        }

        System.Numerics.Tensors.TensorPrimitives.Divide(mean, copies.Count, mean);
        var distance = System.Numerics.Tensors.TensorPrimitives.Distance(vectors[0], mean);
        Assert.InRange(distance, 0.001f, 0.3f);
    }
}
