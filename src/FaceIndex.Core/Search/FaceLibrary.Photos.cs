using FaceIndex.Imaging;
using FaceIndex.Pipeline;

namespace FaceIndex.Search;

/// <summary>Photo queries in two steps: the analysis (models only, thread-safe) and the search (this library's catalog and index).</summary>
public sealed partial class FaceLibrary
{
    /// <summary>Decodes <paramref name="data"/> under the decoder's limits and finds, aligns and embeds every face. Thread-safe once <see cref="Engine"/> is loaded.</summary>
    public PhotoAnalysis Analyze(ReadOnlyMemory<byte> data, string name, CancellationToken cancellationToken = default)
    {
        var engine = Engine;
        var decoded = engine.Decoder.Decode(data, name, cancellationToken);
        return Analyze(engine, decoded.Image, name, cancellationToken);
    }

    /// <summary>As <see cref="Analyze(ReadOnlyMemory{byte}, string, CancellationToken)"/>, from a file.</summary>
    public PhotoAnalysis AnalyzeFile(string path, CancellationToken cancellationToken = default)
    {
        var engine = Engine;
        var decoded = engine.Decoder.Decode(path, cancellationToken);
        return Analyze(engine, decoded.Image, path, cancellationToken);
    }

    /// <summary>
    /// Searches the faces of an analysed photo chosen by <paramref name="options"/>: a photo without a face, or a
    /// face number it does not have, is refused with what to do.
    /// </summary>
    public QueryResult Search(PhotoAnalysis photo, PhotoQueryOptions options)
    {
        ArgumentNullException.ThrowIfNull(photo);
        ArgumentNullException.ThrowIfNull(options);
        var faces = photo.Faces;
        if (faces.Count == 0)
        {
            throw new FaceIndexException($"no face found in {photo.Name} (detector upsample {_options.Upsample}): use a photo where the face is at least ~40 pixels wide and roughly frontal");
        }

        IReadOnlyList<FaceRecord> chosen;
        if (options.Face is { } wanted)
        {
            if (wanted < 0 || wanted >= faces.Count)
            {
                throw new FaceIndexException($"{photo.Name} has {faces.Count} face(s), numbered 0..{faces.Count - 1} from the left; face {wanted} is not one of them");
            }

            chosen = [faces[wanted]];
        }
        else
        {
            chosen = options.Subject == SubjectPolicy.All
                ? faces
                : [faces[SubjectSelector.Select(faces, photo.Image.Width, photo.Image.Height, options.Subject)]];
        }

        var results = chosen.Select(f => new QueryFace(f.Index, f.Box, f.Score, QueryVector(f.Embedding!, options.K, options.Dataset), f.Landmarks.Points)).ToList();
        return new QueryResult(photo.Name, photo.Image.Width, photo.Image.Height, results) { Threshold = SameThreshold(options.Dataset) };
    }

    private PhotoAnalysis Analyze(FaceEngine engine, RgbImage image, string name, CancellationToken cancellationToken)
    {
        cancellationToken.ThrowIfCancellationRequested();
        var faces = engine.CreatePipeline(new PipelineOptions(Upsample: _options.Upsample, DetectMaxSide: _options.DetectMaxSide, Detector: _options.Detector)).Process(image);
        return new PhotoAnalysis(name, image, faces);
    }
}
