using System.Globalization;
using FaceIndex.Calibration;
using FaceIndex.Catalog;
using FaceIndex.Embedding;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Evaluation;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>A library queried with one of the models it holds: the model's own index, embeddings, metric and threshold.</summary>
public sealed partial class FaceLibrary
{
    /// <summary>
    /// Opens the library at <paramref name="library"/> for queries with the model named <paramref name="model"/>, or with its
    /// default model (the one it was first indexed with) when null; the options' engine gets that model.
    /// </summary>
    public static FaceLibrary OpenForModel(string library, string? model, FaceLibraryOptions? options = null)
    {
        options ??= new FaceLibraryOptions();
        var catalog = OpenCatalog(library, readOnly: true);
        try
        {
            var flip = options.Engine?.Embedder?.FlipTta ?? false;
            var (resolved, resolvedFlip) = LibraryModels.Resolve(catalog, model, flip);
            var engine = (options.Engine ?? new EngineOptions()) with
            {
                Model = resolved,
                Embedder = (options.Engine?.Embedder ?? new DlibResNetOptions()) with { FlipTta = resolvedFlip },
            };
            return new FaceLibrary(catalog, options with { Engine = engine }, null);
        }
        catch
        {
            catalog.Dispose();
            throw;
        }
    }

    /// <summary>The query model (the engine options' model; dlib's network when none is named).</summary>
    public RegisteredModel Model => (_engine?.Options ?? _options.Engine)?.Model ?? ModelRegistry.Dlib;

    /// <summary>Throws, saying how to add them, when the library has faces but none embedded with the query model.</summary>
    public void EnsureModelEmbedded() => LibraryModels.EnsureEmbedded(_catalog, ModelId, Model.Name);

    /// <summary>An embedding of the query model as the library stores and searches it (unit length for a cosine model).</summary>
    public float[] ToLibrarySpace(float[] embedding) => LibraryModels.ToLibrarySpace(Model, embedding);

    /// <summary>The query model's stored embedding of an indexed face; refused with what to do when the face is gone or lacks one.</summary>
    public float[] StoredEmbedding(long faceId)
    {
        var into = new Dictionary<long, float[]>(1);
        _catalog.ReadEmbeddings(ModelId, [faceId], into);
        if (into.TryGetValue(faceId, out var embedding))
        {
            return embedding;
        }

        if (_catalog.GetFace(faceId) is null)
        {
            throw new FaceIndexException($"no face with id {faceId} in {_catalog.Library} (removed, or never indexed): 'faceindex info' lists what is there");
        }

        EnsureModelEmbedded();
        throw new FaceIndexException($"face {faceId} has no embedding of model {Model.Name}: index its dataset again with --model {Model.Name}");
    }

    private FaceSearchIndex OpenIndex()
    {
        EnsureModelEmbedded();
        return FaceSearchIndex.Open(_catalog, ModelId, _options.Search, _options.Log);
    }

    /// <summary>The query model's vectors of <paramref name="stored"/> faces: taken from the rows when they hold it, else read once.</summary>
    private Dictionary<long, float[]> ModelVectors(IReadOnlyDictionary<long, StoredFace> stored)
    {
        var vectors = new Dictionary<long, float[]>(stored.Count);
        var missing = new List<long>();
        foreach (var face in stored.Values)
        {
            if (face.Embedding is not null && string.Equals(face.ModelId, ModelId, StringComparison.Ordinal))
            {
                vectors[face.Id] = face.Embedding;
            }
            else
            {
                missing.Add(face.Id);
            }
        }

        if (missing.Count > 0)
        {
            _catalog.ReadEmbeddings(ModelId, [.. missing], vectors);
        }

        return vectors;
    }

    /// <summary>
    /// The threshold for the query model: a given one (for a cosine model a cosine similarity, as 'verify --model' takes it), else
    /// the library's calibration, else the model's manifest default (dlib's 0.6 for dlib's network).
    /// </summary>
    private ResolvedThreshold ResolveThreshold(string? dataset)
    {
        if (ThresholdOverride is { } given && Model.Distance == EmbeddingMetric.Cosine)
        {
            if (!(given > -1 && given < 1))
            {
                throw new FaceIndexException(FormattableString.Invariant($"threshold {given}: model {Model.Name} compares by cosine similarity, so give one between -1 and 1 (its manifest's is {Model.Manifest?.SameThreshold})"));
            }

            var distance = LibraryModels.UnitDistance(given);
            return new ResolvedThreshold(distance, ThresholdOrigin.Given, string.Create(CultureInfo.InvariantCulture,
                $"{distance:0.####} between unit embeddings = cosine similarity {given:0.###}, given"));
        }

        return ThresholdResolver.Resolve(_catalog, ModelId, dataset, ThresholdOverride);
    }
}
