using FaceIndex.Embedding;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Search;

namespace FaceIndex.Tests.Search;

/// <summary>A model's thresholds and index metric in its own terms: dlib's as distances, a cosine model's (faceplugin) as similarities on unit vectors.</summary>
public sealed class LibraryModelsThresholdTests
{
    private static readonly RegisteredModel Faceplugin = ModelRegistry.Open(null).Resolve(BundledModels.FacepluginName);

    [Fact]
    public void A_given_threshold_is_a_distance_for_dlib_and_a_cosine_similarity_for_a_cosine_model()
    {
        Assert.Equal(0.55, LibraryModels.GivenDistance(ModelRegistry.Dlib, 0.55, "--threshold"));
        Assert.Equal(1.0488, LibraryModels.GivenDistance(Faceplugin, 0.45, "--threshold"), 4);
        Assert.Equal(0.0, LibraryModels.GivenDistance(Faceplugin, 1 - 1e-13, "--threshold"), 4);
        var ex = Assert.Throws<FaceIndexException>(() => LibraryModels.GivenDistance(Faceplugin, 1.2, "--same-threshold"));
        Assert.Contains("--same-threshold 1.2", ex.Message, StringComparison.Ordinal);
        Assert.Contains("cosine similarity", ex.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_default_distance_is_dlibs_0_6_or_the_manifests_cosine_threshold_between_unit_vectors()
    {
        Assert.Equal(0.6, LibraryModels.DefaultDistance(null, DlibResNetEmbedder.BaseModelId), 6);
        Assert.Equal(0.6, LibraryModels.DefaultDistance(null, DlibResNetEmbedder.BaseModelId + "+flip"), 6);
        Assert.Equal(LibraryModels.UnitDistance(0.45), LibraryModels.DefaultDistance(null, Faceplugin.ModelId()), 5);
        Assert.Equal(LibraryModels.UnitDistance(0.45), LibraryModels.DefaultDistance(null, Faceplugin.ModelId(flip: true)), 5);
    }

    [Fact]
    public void An_index_description_names_a_cosine_models_metric_also_when_an_older_one_said_euclidean()
    {
        Assert.Equal(IndexMeta.EuclideanMetric, LibraryModels.IndexMetric(null, DlibResNetEmbedder.BaseModelId));
        Assert.Equal("cosine (Euclidean on unit vectors)", LibraryModels.IndexMetric(null, Faceplugin.ModelId()));

        var old = Meta(Faceplugin.ModelId(), IndexMeta.EuclideanMetric);
        var read = LibraryModels.WithTrueMetric(null, old);
        Assert.Equal(IndexMeta.UnitCosineMetric, read.Metric);
        Assert.EndsWith(", cosine (Euclidean on unit vectors)", read.Describe(), StringComparison.Ordinal);
        Assert.Equal(old with { Metric = IndexMeta.UnitCosineMetric }, read);

        var dlib = Meta(DlibResNetEmbedder.BaseModelId, IndexMeta.EuclideanMetric);
        Assert.Same(dlib, LibraryModels.WithTrueMetric(null, dlib));
        Assert.EndsWith(", euclidean", dlib.Describe(), StringComparison.Ordinal);
    }

    private static IndexMeta Meta(string modelId, string metric) =>
        new(3, modelId, IndexMeta.AnnoyKind, "FaceIndex.Annoy", metric, 512, 7, 7, 10, 100, 0, 0, 0, false, 1.0, "target reached", 7, 42, 1, "faces.ann", 1024, 0.1, DateTimeOffset.UnixEpoch);
}
