using FaceIndex.Embedding;
using FaceIndex.Imaging;

namespace FaceIndex.Core.Tests.Embedding;

public sealed class DlibResNetEmbedderTests
{
    // Golden tolerance: face-api (tfjs cpu) and an independent port agree to 2.8e-7; 1e-5 leaves room for libtorch's kernels.
    private const double FaceApiTolerance = 1e-5;

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void Batch_of_eight_matches_faceapi(bool fold)
    {
        using var embedder = new DlibResNetEmbedder(new DlibResNetOptions { FoldAffine = fold });

        var outputs = embedder.Embed(GoldenChips.All());

        Assert.Equal(GoldenChips.Count, outputs.Length);
        for (var i = 0; i < GoldenChips.Count; i++)
        {
            var diff = GoldenChips.MaxAbsDiff(outputs[i], GoldenChips.FaceApi(i));
            Assert.True(diff <= FaceApiTolerance, $"chip{i} (fold={fold}): max abs diff to face-api {diff:E3} > {FaceApiTolerance:E0}");
        }
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public void One_chip_at_a_time_matches_faceapi(bool fold)
    {
        using var embedder = new DlibResNetEmbedder(new DlibResNetOptions { FoldAffine = fold });

        for (var i = 0; i < GoldenChips.Count; i++)
        {
            var output = Assert.Single(embedder.Embed([GoldenChips.Chip(i)]));

            var diff = GoldenChips.MaxAbsDiff(output, GoldenChips.FaceApi(i));
            Assert.True(diff <= FaceApiTolerance, $"chip{i} (fold={fold}): max abs diff to face-api {diff:E3} > {FaceApiTolerance:E0}");
        }
    }

    [Fact]
    public void Batches_larger_than_the_maximum_are_split_without_changing_results()
    {
        using var embedder = new DlibResNetEmbedder(new DlibResNetOptions { MaxBatchSize = 3 });

        var outputs = embedder.Embed(GoldenChips.All());

        for (var i = 0; i < GoldenChips.Count; i++)
        {
            Assert.True(GoldenChips.MaxAbsDiff(outputs[i], GoldenChips.FaceApi(i)) <= FaceApiTolerance, $"chip{i}");
        }
    }

    [Fact]
    public void Output_is_close_to_dlibs_original_model_and_raw_not_normalised()
    {
        using var embedder = new DlibResNetEmbedder();

        var outputs = embedder.Embed(GoldenChips.All());

        for (var i = 0; i < GoldenChips.Count; i++)
        {
            var cos = GoldenChips.Cosine(outputs[i], GoldenChips.Dlib(i));
            Assert.True(cos >= 0.999, $"chip{i}: cosine to dlib {cos:F5} < 0.999");
            var norm = GoldenChips.Norm(outputs[i]);
            Assert.InRange(norm, 1.2, 1.7);
        }
    }

    [Fact]
    public void Flip_tta_is_the_mean_of_the_chip_and_its_mirror()
    {
        using var plain = new DlibResNetEmbedder();
        using var tta = new DlibResNetEmbedder(new DlibResNetOptions { FlipTta = true });
        var chips = GoldenChips.All();

        var flipped = tta.Embed(chips);
        var direct = plain.Embed(chips);
        var mirrored = plain.Embed([.. chips.Select(GoldenChips.Mirror)]);

        for (var i = 0; i < chips.Count; i++)
        {
            var mean = direct[i].Zip(mirrored[i], (a, b) => (a + b) / 2).ToArray();
            var toMean = GoldenChips.MaxAbsDiff(flipped[i], mean);
            Assert.True(toMean <= 1e-6, $"chip{i}: flip TTA differs from mean(chip, mirror) by {toMean:E3}");
            var toPlain = GoldenChips.MaxAbsDiff(flipped[i], direct[i]);
            Assert.True(toPlain > 1e-3, $"chip{i}: flip TTA output equals the plain one (diff {toPlain:E3}): the mirror was not used");
            var cos = GoldenChips.Cosine(flipped[i], direct[i]);
            Assert.True(cos > 0.99, $"chip{i}: flip TTA cosine to plain {cos:F4} <= 0.99");
        }
    }

    [Fact]
    public void Model_id_names_the_network_the_weights_and_tta()
    {
        using var plain = new DlibResNetEmbedder();
        using var tta = new DlibResNetEmbedder(new DlibResNetOptions { FlipTta = true });

        Assert.Equal("dlib-resnet29-v1/face-api-1.7.15", plain.ModelId);
        Assert.Equal("dlib-resnet29-v1/face-api-1.7.15+flip", tta.ModelId);
        Assert.Equal(128, plain.Dimension);
        Assert.Equal(150, plain.ChipSize);
    }

    [Theory]
    [InlineData(149, 150)]
    [InlineData(150, 151)]
    [InlineData(300, 300)]
    public void A_chip_of_the_wrong_size_is_refused(int width, int height)
    {
        using var embedder = new DlibResNetEmbedder();
        var wrong = new RgbImage(width, height, new byte[width * height * 3]);

        var error = Assert.Throws<FaceIndexException>(() => embedder.Embed([GoldenChips.Chip(0), wrong]));

        Assert.Contains($"chip 1 is {width}x{height}", error.Message, StringComparison.Ordinal);
        Assert.Contains("150x150", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_batch_gives_no_vectors()
    {
        using var embedder = new DlibResNetEmbedder();

        Assert.Empty(embedder.Embed([]));
    }

    [Fact]
    public void Concurrent_embed_calls_give_the_same_vectors()
    {
        using var embedder = new DlibResNetEmbedder();
        var chips = GoldenChips.All();

        var results = new float[4][][];
        Parallel.For(0, results.Length, k => results[k] = embedder.Embed([chips[k], chips[k + 4]]));

        for (var k = 0; k < results.Length; k++)
        {
            Assert.True(GoldenChips.MaxAbsDiff(results[k][0], GoldenChips.FaceApi(k)) <= FaceApiTolerance, $"thread {k}, chip{k}");
            Assert.True(GoldenChips.MaxAbsDiff(results[k][1], GoldenChips.FaceApi(k + 4)) <= FaceApiTolerance, $"thread {k}, chip{k + 4}");
        }
    }
}
