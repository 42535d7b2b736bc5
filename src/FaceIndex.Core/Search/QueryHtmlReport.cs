using System.Globalization;
using System.Text;
using FaceIndex.Imaging;

namespace FaceIndex.Search;

/// <summary>
/// A self-contained HTML page for a photo query (<see cref="ResultHtml"/>, the server's rendering): the photo and every
/// crop inline, so a researcher can share one file; each hit's crop links to its image file.
/// </summary>
public static class QueryHtmlReport
{
    /// <summary>Writes the page for <paramref name="result"/> to <paramref name="path"/>; result images are read from their dataset roots.</summary>
    public static void Write(string path, QueryResult result, ImageDecoder decoder, Func<string, string?> datasetRoot)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(datasetRoot);
        var query = File.Exists(result.Photo) ? decoder.Decode(result.Photo).Image : null;
        var links = new FileLinks(result, query, decoder, datasetRoot);
        var body = new StringBuilder();
        body.Append("<h1>Query: ").Append(ResultHtml.Enc(Path.GetFileName(result.Photo))).Append("</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{result.Faces.Count} query face(s). Distance: Euclidean on raw 128-d embeddings; green: below the same-person threshold {ResultHtml.Enc(result.Threshold?.Description ?? FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture))}. Each crop links to its image file. Made by FaceIndex on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.</p>");
        ResultHtml.Append(body, result, links);
        File.WriteAllText(path, ResultHtml.Page($"FaceIndex query: {Path.GetFileName(result.Photo)}", body.ToString()));
    }

    private static string DataUri(string mime, byte[] bytes) => $"data:{mime};base64," + Convert.ToBase64String(bytes);

    /// <summary>Inline pictures; links to the image files on this machine.</summary>
    private sealed class FileLinks(QueryResult result, RgbImage? query, ImageDecoder decoder, Func<string, string?> datasetRoot) : IResultLinks
    {
        public string? PhotoSrc { get; } = query is null ? null : DataUri("image/jpeg", FaceCrop.Jpeg(query, 1024));

        public string? PhotoHref => query is null ? null : new Uri(result.Photo).AbsoluteUri;

        public string? QueryFaceSrc(QueryFace face) => query is null ? null : DataUri("image/png", FaceCrop.Png(query, face.Box));

        public string? HitSrc(FaceHit hit)
        {
            if (Resolve(hit) is not { } file)
            {
                return null;
            }

            try
            {
                return DataUri("image/png", FaceCrop.Png(decoder.Decode(file).Image, hit.Box));
            }
            catch (FaceIndexException)
            {
                return null;
            }
        }

        public string? HitHref(FaceHit hit) => Resolve(hit) is { } file ? new Uri(file).AbsoluteUri : null;

        public string? SimilarHref(FaceHit hit) => null;

        private string? Resolve(FaceHit hit) => datasetRoot(hit.Dataset) is { } root ? Path.Combine(root, hit.ImagePath) : null;
    }
}
