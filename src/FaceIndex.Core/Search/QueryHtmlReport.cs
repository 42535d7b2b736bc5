using System.Globalization;
using System.Net;
using System.Text;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Search;

/// <summary>
/// A self-contained HTML page for a photo query: each query face beside its hits, cropped, as inline PNGs, so a
/// researcher can share one file (no server, no external references).
/// </summary>
public static class QueryHtmlReport
{
    private const int Thumb = 112;

    /// <summary>Writes the page for <paramref name="result"/> to <paramref name="path"/>; result images are read from their dataset roots.</summary>
    public static void Write(string path, QueryResult result, ImageDecoder decoder, Func<string, string?> datasetRoot)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(decoder);
        ArgumentNullException.ThrowIfNull(datasetRoot);
        var query = decoder.Decode(result.Photo).Image;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FaceIndex query: ")
            .Append(Enc(Path.GetFileName(result.Photo)))
            .Append("</title><style>body{font-family:system-ui,sans-serif;margin:2em;color:#222}")
            .Append(".row{display:flex;gap:12px;align-items:flex-start;margin:1em 0 2em}.card{width:120px;font-size:12px;text-align:center}")
            .Append(".card img{width:112px;height:112px;border-radius:6px;border:3px solid #ccc}.same img{border-color:#2a2}.q img{border-color:#36c}")
            .Append(".d{color:#555}</style></head><body>")
            .Append("<h1>Query: ").Append(Enc(Path.GetFileName(result.Photo))).Append("</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>{result.Faces.Count} query face(s). Distance: Euclidean on raw 128-d embeddings; green: below the same-person threshold {Enc(result.Threshold?.Description ?? FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture))}. Made by FaceIndex on {DateTimeOffset.UtcNow:yyyy-MM-dd HH:mm} UTC.</p>");
        foreach (var face in result.Faces)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2>Face {face.FaceIndex}</h2><div class=\"row\"><div class=\"card q\"><img alt=\"query face\" src=\"{Crop(query, face.Box)}\"><div>query</div></div>");
            foreach (var hit in face.Hits)
            {
                var src = TryCrop(decoder, datasetRoot(hit.Dataset), hit.ImagePath, hit.Box);
                html.Append("<div class=\"card").Append(hit.SamePerson ? " same" : string.Empty).Append("\">")
                    .Append(src is null ? "<div style=\"width:112px;height:112px;background:#eee\">image not available</div>" : $"<img alt=\"hit\" src=\"{src}\">")
                    .Append(CultureInfo.InvariantCulture, $"<div>#{hit.Rank} {Enc(hit.Identity ?? "(no label)")}</div><div class=\"d\">d={hit.Distance:F3} cos={hit.Similarity:F3}</div><div class=\"d\">{Enc(hit.Dataset)}/{Enc(hit.ImagePath)}</div></div>");
            }

            html.Append("</div>");
            if (face.NoIndexedIdentity)
            {
                html.Append("<p><b>No indexed identity</b>: no hit is below the threshold.</p>");
            }
        }

        html.Append("</body></html>");
        File.WriteAllText(path, html.ToString());
    }

    private static string? TryCrop(ImageDecoder decoder, string? root, string relPath, FaceBox box)
    {
        if (root is null)
        {
            return null;
        }

        try
        {
            return Crop(decoder.Decode(Path.Combine(root, relPath)).Image, box);
        }
        catch (FaceIndexException)
        {
            return null;
        }
    }

    private static string Crop(RgbImage image, FaceBox box)
    {
        var margin = (int)(Math.Max(box.Width, box.Height) * 0.25);
        var left = Math.Clamp(box.Left - margin, 0, image.Width - 1);
        var top = Math.Clamp(box.Top - margin, 0, image.Height - 1);
        var right = Math.Clamp(box.Right + margin, left, image.Width - 1);
        var bottom = Math.Clamp(box.Bottom + margin, top, image.Height - 1);
        using var full = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        full.Mutate(x => x.Crop(new Rectangle(left, top, right - left + 1, bottom - top + 1)).Resize(Thumb, Thumb));
        using var stream = new MemoryStream();
        full.SaveAsPng(stream);
        return "data:image/png;base64," + Convert.ToBase64String(stream.ToArray());
    }

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
