using FaceIndex.Alignment;
using FaceIndex.Detection;
using FaceIndex.Embedding;
using FaceIndex.Imaging;
using FaceIndex.Landmarks;

namespace FaceIndex.Pipeline;

/// <summary>How the pipeline runs: detector upsampling, chip geometry, and what to keep.</summary>
/// <param name="Upsample">HOG detector upsample count (0: faces of ~80 px and up; 1: ~40 px and up, about 4x slower).</param>
/// <param name="ChipSize">Aligned chip side, in pixels (the embedder's input size).</param>
/// <param name="ChipPadding">dlib's face-chip padding around the landmarks' extent.</param>
/// <param name="Embed">Whether to embed each face.</param>
/// <param name="KeepChips">Whether each FaceRecord keeps its aligned chip.</param>
/// <param name="MaxFaces">At most this many faces are processed per image, the highest-scoring first.</param>
/// <param name="DetectMaxSide">
/// When above 0, images whose longer side exceeds this are detected on a bilinear copy of that size (the boxes mapped
/// back; landmarks, chips and embeddings still come from the full image). Off by default; queries use it, because
/// detection time grows with the pixel count and large photos rarely hold faces too small for the copy.
/// </param>
/// <param name="Detector">Which detector <see cref="FaceEngine.CreatePipeline"/> uses (HOG, SSD, or SSD where HOG finds nothing).</param>
public sealed record PipelineOptions(
    int Upsample = 1,
    int ChipSize = 150,
    double ChipPadding = 0.25,
    bool Embed = true,
    bool KeepChips = false,
    int MaxFaces = 100,
    int DetectMaxSide = 0,
    DetectorKind Detector = DetectorKind.HogThenSsd);

/// <summary>
/// One image to its faces: detect, landmarks, align, embed. One instance per thread (the detector and landmarker
/// are single-threaded); the embedder may be shared.
/// </summary>
public sealed class FacePipeline
{
    private readonly IFaceDetector _detector;
    private readonly ILandmarker _landmarker;
    private readonly IFaceAligner _aligner;
    private readonly IFaceEmbedder? _embedder;

    public FacePipeline(IFaceDetector detector, ILandmarker landmarker, IFaceAligner aligner, IFaceEmbedder? embedder, PipelineOptions options)
    {
        _detector = detector ?? throw new ArgumentNullException(nameof(detector));
        _landmarker = landmarker ?? throw new ArgumentNullException(nameof(landmarker));
        _aligner = aligner ?? throw new ArgumentNullException(nameof(aligner));
        _embedder = embedder;
        Options = options ?? throw new ArgumentNullException(nameof(options));
        if (options.Embed && embedder is null)
        {
            throw new ArgumentException("options ask for embeddings but no embedder was given", nameof(embedder));
        }
    }

    public PipelineOptions Options { get; }

    /// <summary>Detects every face (up to MaxFaces, best first, returned in left-to-right order), places landmarks, aligns and (optionally) embeds.</summary>
    public IReadOnlyList<FaceRecord> Process(RgbImage image) => Process(image, Options.Upsample);

    /// <summary>As <see cref="Process(RgbImage)"/>, with an explicit detector upsample count.</summary>
    public IReadOnlyList<FaceRecord> Process(RgbImage image, int upsample)
    {
        ArgumentNullException.ThrowIfNull(image);
        return Process(image, Detect(image, upsample));
    }

    /// <summary>Landmarks, chips and (optionally) embeddings for <paramref name="detections"/> found by some other detector.</summary>
    public IReadOnlyList<FaceRecord> Process(RgbImage image, IReadOnlyList<FaceDetection> detections)
    {
        ArgumentNullException.ThrowIfNull(image);
        ArgumentNullException.ThrowIfNull(detections);
        if (detections.Count == 0)
        {
            return [];
        }

        var kept = detections
            .OrderByDescending(d => d.Score)
            .Take(Options.MaxFaces)
            .OrderBy(d => d.Box.Left).ThenBy(d => d.Box.Top)
            .ToList();
        var landmarks = new FaceLandmarks[kept.Count];
        var chips = new RgbImage[kept.Count];
        for (var i = 0; i < kept.Count; i++)
        {
            landmarks[i] = _landmarker.Predict(image, kept[i].Box);
            chips[i] = _aligner.Align(image, landmarks[i], Options.ChipSize, Options.ChipPadding);
        }

        float[][]? embeddings = Options.Embed ? _embedder!.Embed(chips) : null;
        var faces = new FaceRecord[kept.Count];
        for (var i = 0; i < kept.Count; i++)
        {
            faces[i] = new FaceRecord(
                i,
                kept[i].Box,
                kept[i].Score,
                landmarks[i],
                embeddings?[i],
                embeddings is null ? null : _embedder!.ModelId,
                Options.KeepChips ? chips[i] : null);
        }

        return faces;
    }

    private IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample)
    {
        var longer = Math.Max(image.Width, image.Height);
        if (Options.DetectMaxSide <= 0 || longer <= Options.DetectMaxSide)
        {
            return _detector.Detect(image, upsample);
        }

        var scale = Options.DetectMaxSide / (double)longer;
        var small = RgbImageResize.Resize(image, Math.Max(1, (int)Math.Round(image.Width * scale)), Math.Max(1, (int)Math.Round(image.Height * scale)));
        var sx = image.Width / (double)small.Width;
        var sy = image.Height / (double)small.Height;
        return [.. _detector.Detect(small, upsample).Select(d => d with
        {
            Box = new FaceBox(
                (int)Math.Round(d.Box.Left * sx),
                (int)Math.Round(d.Box.Top * sy),
                (int)Math.Round(((d.Box.Right + 1) * sx) - 1),
                (int)Math.Round(((d.Box.Bottom + 1) * sy) - 1)),
        })];
    }

    /// <summary>Landmarks and chip for a box given from outside (e.g. the central region of an image when no face was detected).</summary>
    public FaceRecord ProcessBox(RgbImage image, FaceBox box, double score = double.NaN)
    {
        ArgumentNullException.ThrowIfNull(image);
        var landmarks = _landmarker.Predict(image, box);
        var chip = _aligner.Align(image, landmarks, Options.ChipSize, Options.ChipPadding);
        var embedding = Options.Embed ? _embedder!.Embed([chip])[0] : null;
        return new FaceRecord(0, box, score, landmarks, embedding, embedding is null ? null : _embedder!.ModelId, Options.KeepChips ? chip : null);
    }
}

/// <summary>Chooses the face an image is about.</summary>
public static class SubjectSelector
{
    /// <summary>The index of the subject face under <paramref name="policy"/> (-1 when there are no faces; for All, the centre one).</summary>
    public static int Select(IReadOnlyList<FaceRecord> faces, int imageWidth, int imageHeight, SubjectPolicy policy)
    {
        ArgumentNullException.ThrowIfNull(faces);
        if (faces.Count == 0)
        {
            return -1;
        }

        var best = 0;
        for (var i = 1; i < faces.Count; i++)
        {
            if (policy == SubjectPolicy.Largest
                ? faces[i].Box.Area > faces[best].Box.Area
                : CenterDistance(faces[i].Box, imageWidth, imageHeight) < CenterDistance(faces[best].Box, imageWidth, imageHeight))
            {
                best = i;
            }
        }

        return best;
    }

    private static double CenterDistance(FaceBox box, int width, int height)
    {
        var dx = box.CenterX - ((width - 1) / 2.0);
        var dy = box.CenterY - ((height - 1) / 2.0);
        return (dx * dx) + (dy * dy);
    }
}
