using System.Buffers;
using FaceIndex.Embedding;
using FaceIndex.Imaging;
using FaceIndex.Models;
using TorchSharp;
using static TorchSharp.torch;

namespace FaceIndex.Detection;

/// <summary>
/// face-api's SSD MobileNet v1 face detector (a CNN; finds turned, tilted and small faces HOG misses) in TorchSharp.
/// <see cref="DetectRaw"/> returns face-api's boxes exactly; <see cref="Detect"/> maps them to HOG-shaped boxes
/// (<see cref="SsdDetectorOptions.Mapping"/>) for dlib's landmarks. Thread-safe: the network is loaded once per process
/// (sha256-checked) and shared read-only; disposing frees only a network of its own (<see cref="FromManifest"/>).
/// </summary>
public sealed class SsdFaceDetector : IFaceDetector
{
    private static readonly Lock SharedGate = new();
    private static SsdMobilenetV1? _shared;

    private readonly SsdMobilenetV1 _net;
    private readonly bool _ownsNet;

    /// <summary>Uses the process-wide network built from the pinned face-api files.</summary>
    public SsdFaceDetector(SsdDetectorOptions? options = null)
        : this(options ?? new SsdDetectorOptions(), null)
    {
    }

    private SsdFaceDetector(SsdDetectorOptions options, SsdMobilenetV1? own)
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxResults, nameof(options));
        if (options.MinConfidence is <= 0 or >= 1)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.MinConfidence, "MinConfidence must lie strictly between 0 and 1");
        }

        TorchRuntime.Initialise(null);
        Options = options;
        _ownsNet = own is not null;
        _net = own ?? Shared();
    }

    /// <summary>The options this detector runs with.</summary>
    public SsdDetectorOptions Options { get; }

    /// <summary>A detector with its own network built from <paramref name="manifestPath"/>, with no sha256 pin; disposing it frees the network.</summary>
    public static SsdFaceDetector FromManifest(string manifestPath, SsdDetectorOptions? options = null) =>
        new(options ?? new SsdDetectorOptions(), SsdMobilenetV1.Load(manifestPath));

    /// <summary>HOG-shaped boxes (see <see cref="SsdBoxMapping"/>); <paramref name="upsample"/> is ignored (the network always sees 512x512).</summary>
    public IReadOnlyList<FaceDetection> Detect(RgbImage image, int upsample = 0) =>
        [.. DetectRaw(image).Select(d => new FaceDetection(Options.Mapping.Apply(d), d.Score))];

    /// <summary>face-api's <c>locateFaces</c>: score threshold, non-maximum suppression, boxes in image pixels, best first.</summary>
    public IReadOnlyList<SsdDetection> DetectRaw(RgbImage image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var (boxes, scores) = Forward(image);
        var kept = NonMaxSuppression(boxes, scores);

        // face-api clips to [0, 1] of the padded square, then rescales to the unpadded image as reshaped to 512.
        var side = Math.Max(image.Width, image.Height);
        var padX = SsdMobilenetV1.InputSize / (double)Math.Round(image.Width * (SsdMobilenetV1.InputSize / (double)side), MidpointRounding.AwayFromZero);
        var padY = SsdMobilenetV1.InputSize / (double)Math.Round(image.Height * (SsdMobilenetV1.InputSize / (double)side), MidpointRounding.AwayFromZero);
        var result = new List<SsdDetection>(kept.Count);
        foreach (var i in kept)
        {
            var top = Math.Max(0, (double)boxes[(4 * i) + 0]) * padY;
            var bottom = Math.Min(1.0, (double)boxes[(4 * i) + 2]) * padY;
            var left = Math.Max(0, (double)boxes[(4 * i) + 1]) * padX;
            var right = Math.Min(1.0, (double)boxes[(4 * i) + 3]) * padX;
            result.Add(new SsdDetection(
                scores[i],
                left * image.Width,
                top * image.Height,
                (right - left) * image.Width,
                (bottom - top) * image.Height));
        }

        return result;
    }

    /// <summary>The network's raw output for one image: 5,118 boxes (normalised ymin, xmin, ymax, xmax; 4 floats each) and scores.</summary>
    internal (float[] Boxes, float[] Scores) Forward(RgbImage image)
    {
        const int per = 3 * SsdMobilenetV1.InputSize * SsdMobilenetV1.InputSize;
        var buffer = ArrayPool<float>.Shared.Rent(per);
        try
        {
            SsdInput.Fill(image, buffer.AsSpan(0, per));
            using var scope = torch.NewDisposeScope();
            using var mode = torch.inference_mode();
            var input = torch.empty([1, 3, SsdMobilenetV1.InputSize, SsdMobilenetV1.InputSize], ScalarType.Float32);
            using (var access = input.data<float>())
            {
                access.CopyFrom(new ReadOnlySpan<float>(buffer, 0, per), 0, 0);
            }

            var (boxes, scores) = _net.forward(input);
            return (boxes.contiguous().data<float>().ToArray(), scores.contiguous().data<float>().ToArray());
        }
        finally
        {
            ArrayPool<float>.Shared.Return(buffer);
        }
    }

    public void Dispose()
    {
        if (_ownsNet)
        {
            _net.Dispose();
        }
    }

    private static SsdMobilenetV1 Shared()
    {
        lock (SharedGate)
        {
            if (_shared is null)
            {
                ModelFiles.Verify(ModelFiles.SsdWeights);
                _shared = SsdMobilenetV1.Load(ModelFiles.Verify(ModelFiles.SsdManifest));
            }

            return _shared;
        }
    }

    // face-api's nonMaxSuppression: candidates above the threshold, best first (a stable sort, as JavaScript's), each kept
    // unless it overlaps a kept box by more than the IoU threshold.
    private List<int> NonMaxSuppression(float[] boxes, float[] scores)
    {
        var candidates = new List<int>();
        for (var i = 0; i < scores.Length; i++)
        {
            if (scores[i] > Options.MinConfidence)
            {
                candidates.Add(i);
            }
        }

        var ordered = candidates.OrderByDescending(i => scores[i]).ToList();
        var limit = Math.Min(Options.MaxResults, scores.Length);
        var selected = new List<int>();
        foreach (var c in ordered)
        {
            if (selected.Count >= limit)
            {
                break;
            }

            if (!selected.Any(s => Iou(boxes, c, s) > Options.IouThreshold))
            {
                selected.Add(c);
            }
        }

        return selected;
    }

    private static double Iou(float[] b, int i, int j)
    {
        double yMinI = Math.Min(b[4 * i], b[(4 * i) + 2]), xMinI = Math.Min(b[(4 * i) + 1], b[(4 * i) + 3]);
        double yMaxI = Math.Max(b[4 * i], b[(4 * i) + 2]), xMaxI = Math.Max(b[(4 * i) + 1], b[(4 * i) + 3]);
        double yMinJ = Math.Min(b[4 * j], b[(4 * j) + 2]), xMinJ = Math.Min(b[(4 * j) + 1], b[(4 * j) + 3]);
        double yMaxJ = Math.Max(b[4 * j], b[(4 * j) + 2]), xMaxJ = Math.Max(b[(4 * j) + 1], b[(4 * j) + 3]);
        var areaI = (yMaxI - yMinI) * (xMaxI - xMinI);
        var areaJ = (yMaxJ - yMinJ) * (xMaxJ - xMinJ);
        if (areaI <= 0 || areaJ <= 0)
        {
            return 0;
        }

        var intersection = Math.Max(Math.Min(yMaxI, yMaxJ) - Math.Max(yMinI, yMinJ), 0) * Math.Max(Math.Min(xMaxI, xMaxJ) - Math.Max(xMinI, xMinJ), 0);
        return intersection / (areaI + areaJ - intersection);
    }
}
