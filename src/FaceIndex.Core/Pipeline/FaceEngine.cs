using FaceIndex.Alignment;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Embedding.Onnx;
using FaceIndex.Imaging;
using FaceIndex.Native;

namespace FaceIndex.Pipeline;

/// <summary>What a <see cref="FaceEngine"/> loads: decoder limits, embedder options, where dlib's predictor is.</summary>
/// <param name="Decoder">Decoder limits; null for the defaults (50 MP, 100 MB).</param>
/// <param name="Embedder">Embedder options (flip test-time augmentation, threads); null for the defaults.</param>
/// <param name="PredictorPath">dlib's 68-point predictor; null for FACEINDEX_PREDICTOR or Debian's copy.</param>
/// <param name="Model">The recognition model (null: dlib's network); its flip and threads come from <paramref name="Embedder"/>.</param>
/// <param name="Alignment">The alignment, when not the model's own (for comparisons).</param>
public sealed record EngineOptions(
    ImageDecoderOptions? Decoder = null,
    DlibResNetOptions? Embedder = null,
    string? PredictorPath = null,
    RegisteredModel? Model = null,
    AlignmentKind? Alignment = null);

/// <summary>Everything one image needs, decoded and analysed: the decoded image and its faces.</summary>
/// <param name="Path">The file.</param>
/// <param name="Image">The decoded image (format, size, orientation, warnings).</param>
/// <param name="Faces">Every face, in left-to-right order.</param>
/// <param name="Subject">The subject face's index in <paramref name="Faces"/> (nearest the centre), or -1.</param>
public sealed record ImageAnalysis(string Path, DecodedImage Image, IReadOnlyList<FaceRecord> Faces, int Subject);

/// <summary>
/// The models of one process, loaded once: dlib's predictor (shared read-only by every thread), one dlib
/// detector context per thread, one recognition network, one decoder. Thread-safe.
/// </summary>
public sealed class FaceEngine : IDisposable
{
    private readonly DlibModels _dlib;
    private readonly Lazy<IFaceEmbedder> _embedder;
    private readonly IFaceAligner? _aligner;
    private readonly ThreadLocal<DlibWorker> _workers;
    private readonly Lazy<SsdFaceDetector> _ssd = new(() => new SsdFaceDetector(), LazyThreadSafetyMode.ExecutionAndPublication);

    private FaceEngine(EngineOptions options)
    {
        Options = options;
        Decoder = new ImageDecoder(options.Decoder ?? ImageDecoderOptions.Default);
        _dlib = DlibModels.Load(options.PredictorPath);
        _workers = new ThreadLocal<DlibWorker>(_dlib.CreateWorker, trackAllValues: true);
        _embedder = new Lazy<IFaceEmbedder>(
            () => options.Model is { } model
                ? ModelRegistry.CreateEmbedder(model, options.Embedder?.FlipTta ?? false, options.Embedder?.Threads)
                : new DlibResNetEmbedder(options.Embedder),
            LazyThreadSafetyMode.ExecutionAndPublication);
        _aligner = Alignment == AlignmentKind.DlibChip ? null : FaceAligners.Create(Alignment);
    }

    public EngineOptions Options { get; }

    /// <summary>The image decoder (header checks and limits before decoding).</summary>
    public ImageDecoder Decoder { get; }

    /// <summary>The alignment chips are cut with: the options' override, else the model's own (dlib's chip by default).</summary>
    public AlignmentKind Alignment => Options.Alignment ?? Options.Model?.Alignment ?? AlignmentKind.DlibChip;

    /// <summary>The recognition network, loaded on first use.</summary>
    public IFaceEmbedder Embedder => _embedder.Value;

    /// <summary>The SSD face detector (thread-safe, shared), loaded on first use.</summary>
    public SsdFaceDetector Ssd => _ssd.Value;

    /// <summary>The calling thread's dlib context (detector, landmarker, aligner), for code that times the stages apart.</summary>
    public DlibWorker Worker => _workers.Value!;

    /// <summary>Loads dlib's predictor now; the network loads on first use.</summary>
    public static FaceEngine Load(EngineOptions? options = null) => new(options ?? new EngineOptions());

    /// <summary>A pipeline bound to the calling thread's dlib context. Use it on this thread only.</summary>
    public FacePipeline CreatePipeline(PipelineOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        var worker = _workers.Value!;
        if (Options.Model is { } model)
        {
            // The chip is the model's: its size, and dlib's padding only for dlib's alignment.
            options = options with { ChipSize = model.ChipSize, ChipPadding = model.ChipPadding };
        }

        return new FacePipeline(Detector(options.Detector), worker.Landmarker, _aligner ?? worker.Aligner, options.Embed ? Embedder : null, options);
    }

    /// <summary>The calling thread's detector of <paramref name="kind"/> (the engine owns it).</summary>
    public IFaceDetector Detector(DetectorKind kind) => kind switch
    {
        DetectorKind.Hog => _workers.Value!.Detector,
        DetectorKind.Ssd => Ssd,
        DetectorKind.HogThenSsd => new FallbackFaceDetector(_workers.Value!.Detector, Ssd),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, null),
    };

    /// <summary>Decodes <paramref name="path"/> and finds, aligns and embeds every face in it.</summary>
    public ImageAnalysis Analyze(string path, PipelineOptions options, CancellationToken cancellationToken = default)
    {
        var decoded = Decoder.Decode(path, cancellationToken);
        var faces = CreatePipeline(options).Process(decoded.Image);
        return new ImageAnalysis(path, decoded, faces, SubjectSelector.Select(faces, decoded.Image.Width, decoded.Image.Height, SubjectPolicy.Center));
    }

    public void Dispose()
    {
        foreach (var worker in _workers.Values)
        {
            worker.Dispose();
        }

        _workers.Dispose();
        if (_ssd.IsValueCreated)
        {
            _ssd.Value.Dispose();
        }

        if (_embedder.IsValueCreated)
        {
            _embedder.Value.Dispose();
        }

        _dlib.Dispose();
    }
}
