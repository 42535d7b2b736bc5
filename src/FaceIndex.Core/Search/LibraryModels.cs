using System.Globalization;
using System.Numerics.Tensors;
using FaceIndex.Catalog;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;

namespace FaceIndex.Search;

/// <summary>
/// Which model a library's commands use, and the space its embeddings live in. A library answers with its default model (the one it
/// was first indexed with) unless another is named, and refuses a model it holds no embeddings of, saying how to add them.
/// Cosine models are stored and searched as unit vectors, where Euclidean order is cosine order (d = sqrt(2 - 2 cos)), so every
/// index, threshold and template works on them unchanged and still decides by the model's own metric.
/// </summary>
public static class LibraryModels
{
    /// <summary>The model a command on <paramref name="catalog"/> uses: <paramref name="name"/>, else the library's default (dlib's for an empty library).</summary>
    /// <returns>The model and whether its embeddings are flip-averaged (a named model takes <paramref name="flip"/>; the default, its recorded id's).</returns>
    public static (RegisteredModel Model, bool Flip) Resolve(FaceCatalog catalog, string? name, bool flip)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var registry = ModelRegistry.Open(catalog.Library);
        if (!string.IsNullOrWhiteSpace(name))
        {
            return (registry.Resolve(name), flip);
        }

        if (catalog.DefaultModelId() is not { } id)
        {
            return (ModelRegistry.Dlib, flip);
        }

        return (Find(registry, id) ?? throw new FaceIndexException(
                $"the library {catalog.Library} was indexed with model {id}, which this FaceIndex does not know: add it with 'faceindex models add NAME --onnx FILE --library {catalog.Library}', or name a model with --model"),
            flip || id.EndsWith("+flip", StringComparison.Ordinal));
    }

    /// <summary>
    /// The model whose stored embeddings a command that reads them (export, audit, cluster) uses, and their model id: the named model's
    /// (plain, else flip-averaged: whichever the library holds), or when none is named the default face index's model, as before.
    /// A named model the library holds no embeddings of is refused, saying how to add them.
    /// </summary>
    public static (RegisteredModel? Model, string ModelId) ResolveEmbedded(FaceCatalog catalog, string? name)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (string.IsNullOrWhiteSpace(name))
        {
            var id = FaceSearchIndex.ReadMeta(catalog.Library)?.ModelId ?? catalog.DefaultModelId() ?? Embedding.DlibResNetEmbedder.BaseModelId;
            return (Find(catalog.Library, id), id);
        }

        var model = ModelRegistry.Open(catalog.Library).Resolve(name);
        var held = new[] { model.ModelId(false), model.ModelId(true) }.FirstOrDefault(catalog.HasEmbeddings) ?? model.ModelId(false);
        EnsureEmbedded(catalog, held, model.Name);
        return (model, held);
    }

    /// <summary>
    /// A same-person (or same-photo) threshold a user gave for <paramref name="model"/>, as a library distance: for a cosine model a
    /// cosine similarity (as 'verify --model' takes it) made a distance between unit vectors; otherwise the distance itself.
    /// </summary>
    public static double GivenDistance(RegisteredModel? model, double given, string option)
    {
        if (model?.Distance != EmbeddingMetric.Cosine)
        {
            return given;
        }

        if (!(given > -1 && given < 1))
        {
            throw new FaceIndexException(FormattableString.Invariant(
                $"{option} {given}: model {model.Name} compares by cosine similarity, so give one between -1 and 1 (its manifest's same-person similarity is {model.Manifest?.SameThreshold})"));
        }

        return Math.Round(UnitDistance(given), 6);
    }

    /// <summary>The same-person distance for <paramref name="modelId"/> when none is given or calibrated: its manifest's (a cosine one as a unit-vector distance), else dlib's 0.6.</summary>
    public static double DefaultDistance(string? library, string modelId) =>
        ManifestThreshold(library, modelId)?.Value ?? Math.Round((double)FaceDistance.SameThreshold, 6);

    /// <summary>The metric a face index of <paramref name="modelId"/> searches by, as its description records it.</summary>
    public static string IndexMetric(string? library, string modelId) =>
        Find(library, modelId)?.Distance == EmbeddingMetric.Cosine ? IndexMeta.UnitCosineMetric : IndexMeta.EuclideanMetric;

    /// <summary>
    /// <paramref name="meta"/> with its metric told truthfully: descriptions written before the metric was recorded per model say
    /// "euclidean" also for a cosine model's index (Euclidean on unit vectors), so they are read with the model's own.
    /// </summary>
    public static IndexMeta WithTrueMetric(string? library, IndexMeta meta)
    {
        ArgumentNullException.ThrowIfNull(meta);
        if (!string.Equals(meta.Metric, IndexMeta.EuclideanMetric, StringComparison.Ordinal))
        {
            return meta;
        }

        var metric = IndexMetric(library, meta.ModelId);
        return string.Equals(metric, meta.Metric, StringComparison.Ordinal) ? meta : meta with { Metric = metric };
    }

    /// <summary>The model whose id (with or without flip) is <paramref name="modelId"/>, among the library's, or null.</summary>
    public static RegisteredModel? Find(string? library, string modelId) => Find(ModelRegistry.Open(library), modelId);

    /// <summary>Every model <paramref name="catalog"/> holds embeddings of, default first, with its face index.</summary>
    public static IReadOnlyList<LibraryModelInfo> Describe(FaceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var defaultModel = catalog.DefaultModelId();
        return [.. catalog.EmbeddedModels().Select(m =>
        {
            var folder = FaceSearchIndex.FolderFor(catalog, m.ModelId);
            var meta = FaceSearchIndex.ReadMeta(folder);
            return new LibraryModelInfo(m.ModelId, m.Faces, string.Equals(m.ModelId, defaultModel, StringComparison.Ordinal), folder,
                meta is not null && string.Equals(meta.ModelId, m.ModelId, StringComparison.Ordinal) ? WithTrueMetric(catalog.Library, meta) : null);
        })];
    }

    /// <summary>Throws, saying how to add them, when the library has faces but none embedded with <paramref name="modelId"/>.</summary>
    public static void EnsureEmbedded(FaceCatalog catalog, string modelId, string modelName)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        if (catalog.HasEmbeddings(modelId) || catalog.FaceCount() == 0)
        {
            return;
        }

        var datasets = catalog.Datasets().Select(d => d.Info.Name).ToList();
        var example = datasets.Count > 0 ? datasets[0] : "NAME";
        throw new FaceIndexException(
            $"the library {catalog.Library} holds no embeddings of model {modelName} ({modelId}); it holds {string.Join(", ", catalog.EmbeddedModels().Select(m => m.ModelId))}. " +
            $"Add them from the stored landmarks, without detecting again, by indexing each dataset with it: 'faceindex index DIR --dataset {example} --model {modelName}'" +
            (datasets.Count > 1 ? $" (datasets: {string.Join(", ", datasets)})" : string.Empty) +
            ", or leave out --model to use the library's default model");
    }

    /// <summary>An embedding as the library stores and searches it: unit length for a cosine model, as it is otherwise.</summary>
    public static float[] ToLibrarySpace(RegisteredModel? model, float[] embedding)
    {
        ArgumentNullException.ThrowIfNull(embedding);
        if (model?.Distance != EmbeddingMetric.Cosine)
        {
            return embedding;
        }

        var norm = TensorPrimitives.Norm(embedding);
        if (!(norm > 0) || Math.Abs(norm - 1f) < 1e-6f)
        {
            return embedding;
        }

        var unit = new float[embedding.Length];
        TensorPrimitives.Divide(embedding, norm, unit);
        return unit;
    }

    /// <summary>The Euclidean distance between unit vectors whose cosine similarity is <paramref name="similarity"/>.</summary>
    public static double UnitDistance(double similarity) => Math.Sqrt(Math.Max(0, 2 - (2 * similarity)));

    /// <summary>
    /// The same-person threshold a model's manifest gives, as a library distance, with a description; null for dlib's network
    /// (whose default stays dlib's 0.6) or a manifest without one.
    /// </summary>
    public static (double Value, string Description)? ManifestThreshold(string? library, string modelId)
    {
        if (Find(library, modelId) is not { Manifest.SameThreshold: { } same } model)
        {
            return null;
        }

        return model.Distance == EmbeddingMetric.Cosine
            ? (Math.Round(UnitDistance(same), 6), string.Create(CultureInfo.InvariantCulture,
                $"{UnitDistance(same):0.####} between unit embeddings = cosine similarity {same:0.###}, {model.Name}'s manifest default"))
            : (Math.Round(same, 6), string.Create(CultureInfo.InvariantCulture, $"{same:0.####}, {model.Name}'s manifest default"));
    }

    private static RegisteredModel? Find(ModelRegistry registry, string modelId) =>
        registry.All.FirstOrDefault(m => string.Equals(m.ModelId(false), modelId, StringComparison.Ordinal) || string.Equals(m.ModelId(true), modelId, StringComparison.Ordinal));
}
