using System.Globalization;
using System.Net;
using System.Text;
using FaceIndex.Detection;
using FaceIndex.Landmarks;

namespace FaceIndex.Search;

/// <summary>
/// The one rendering of a query result, used by <c>query --html</c>, the served page and its permalinks: the photo with
/// each face's box and 68 landmarks, then per face its hits as crops with identity, dataset, distance, similarity and
/// same-person; captions wrap, and every crop links to its image.
/// </summary>
public static class ResultHtml
{
    /// <summary>The stylesheet (inlined in a saved page, served as a file by the server, whose CSP allows no inline style).</summary>
    public const string Css = """
        body{font-family:system-ui,sans-serif;margin:0;color:#222;background:#fafafa}
        header{background:#24324a;color:#fff;padding:.6em 1.5em;display:flex;gap:1.5em;align-items:center;flex-wrap:wrap}
        header a{color:#fff;text-decoration:none}header .brand{font-weight:700;font-size:1.2em}
        main{padding:1em 1.5em;max-width:1200px}
        h1{font-size:1.4em}h2{font-size:1.1em;margin:1.2em 0 .4em}
        .note{color:#555;font-size:.9em;max-width:60em}
        .error{background:#fdecea;border:1px solid #e0a0a0;padding:.8em;border-radius:6px;max-width:60em}
        .photo{position:relative;display:inline-block;margin:0;max-width:100%}
        .photo img{display:block;max-width:100%;max-height:400px;width:auto;height:auto}
        .photo svg{position:absolute;left:0;top:0;width:100%;height:100%}
        .row{display:flex;flex-wrap:wrap;gap:12px;align-items:flex-start;margin:.5em 0 1.5em}
        .card{width:136px;margin:0;font-size:12px;background:#fff;border:1px solid #ddd;border-radius:8px;padding:4px}
        .card figcaption{overflow-wrap:anywhere;word-break:break-word;line-height:1.35;margin-top:3px}
        .thumb{position:relative;display:block;width:128px;height:128px}
        .thumb img{width:128px;height:128px;border-radius:6px;border:3px solid #ccc;box-sizing:border-box;display:block}
        .thumb svg{position:absolute;left:3px;top:3px;width:122px;height:122px}
        .same .thumb img{border-color:#2a2}.q .thumb img{border-color:#36c}
        .missing{display:flex;width:128px;height:128px;background:#eee;align-items:center;justify-content:center;color:#777}
        .d{color:#555}.path{color:#777;font-size:11px}
        .identity{font-weight:600}
        table{border-collapse:collapse;background:#fff}td,th{border:1px solid #ddd;padding:4px 8px;text-align:left;vertical-align:top;overflow-wrap:anywhere}
        form.upload{border:2px dashed #99a;border-radius:10px;padding:1.2em;max-width:40em;background:#fff}
        form.upload.drag{background:#eef}
        .faces{display:flex;flex-wrap:wrap;gap:10px}
        """;

    /// <summary>Appends the result: the photo (when given) with boxes and landmarks, then each query face's hits.</summary>
    public static void Append(StringBuilder html, QueryResult result, IResultLinks links)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(links);
        if (links.PhotoSrc is { } photo && result.Width > 0)
        {
            AppendPhoto(html, photo, result.Width, result.Height, result.Faces.Select(f => (f.Box, f.Landmarks, $"face {f.FaceIndex}")), "query photo");
        }

        foreach (var face in result.Faces)
        {
            html.Append(CultureInfo.InvariantCulture, $"<h2 id=\"face-{face.FaceIndex}\">Face {face.FaceIndex}</h2><div class=\"row\">");
            html.Append("<figure class=\"card q\">");
            var open = links.PhotoHref is { } href ? $"<a href=\"{Enc(href)}\">" : string.Empty;
            html.Append(open).Append("<span class=\"thumb\">");
            if (links.QueryFaceSrc(face) is { } src)
            {
                html.Append(CultureInfo.InvariantCulture, $"<img alt=\"query face {face.FaceIndex}\" src=\"{Enc(src)}\">");
                if (face.Landmarks is { Count: > 0 } points && result.Width > 0)
                {
                    var (l, t, w, h) = FaceCrop.Region(face.Box, result.Width, result.Height);
                    html.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"{l} {t} {w} {h}\" preserveAspectRatio=\"none\" aria-hidden=\"true\">");
                    AppendLandmarks(html, face.Box, points);
                    html.Append("</svg>");
                }
            }
            else
            {
                html.Append("<span class=\"missing\">query face</span>");
            }

            html.Append("</span>").Append(open.Length > 0 ? "</a>" : string.Empty)
                .Append(CultureInfo.InvariantCulture, $"<figcaption>query face {face.FaceIndex}<br><span class=\"d\">box {face.Box.Left},{face.Box.Top},{face.Box.Right},{face.Box.Bottom}</span></figcaption></figure>");
            if (face.Hits.Count == 0)
            {
                html.Append("<p class=\"note\">No indexed face to show (none in this dataset, or every hit was removed since).</p>");
            }

            foreach (var hit in face.Hits)
            {
                AppendHit(html, hit, links);
            }

            html.Append("</div>");
            if (face.Hits.Count > 0 && face.NoIndexedIdentity)
            {
                html.Append("<p class=\"note\"><b>No indexed identity</b>: no hit is below the same-person threshold.</p>");
            }
        }
    }

    /// <summary>A photo with boxes (labelled) and landmarks drawn over it in an SVG of the image's own coordinates.</summary>
    public static void AppendPhoto(StringBuilder html, string src, int width, int height, IEnumerable<(FaceBox Box, IReadOnlyList<LandmarkPoint>? Landmarks, string Label)> faces, string alt)
    {
        ArgumentNullException.ThrowIfNull(html);
        ArgumentNullException.ThrowIfNull(faces);
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"photo\"><img alt=\"{Enc(alt)}\" src=\"{Enc(src)}\" width=\"{width}\" height=\"{height}\">");
        html.Append(CultureInfo.InvariantCulture, $"<svg viewBox=\"0 0 {width} {height}\" preserveAspectRatio=\"none\" aria-hidden=\"true\">");
        var stroke = Math.Max(2, Math.Max(width, height) / 300);
        foreach (var (box, landmarks, label) in faces)
        {
            html.Append(CultureInfo.InvariantCulture, $"<rect x=\"{box.Left}\" y=\"{box.Top}\" width=\"{box.Width}\" height=\"{box.Height}\" fill=\"none\" stroke=\"#36c\" stroke-width=\"{stroke}\"/>");
            html.Append(CultureInfo.InvariantCulture, $"<text x=\"{box.Left}\" y=\"{Math.Max(box.Top - (stroke * 2), stroke * 6)}\" fill=\"#36c\" font-size=\"{stroke * 7}\" font-family=\"sans-serif\">{Enc(label)}</text>");
            if (landmarks is { Count: > 0 })
            {
                AppendLandmarks(html, box, landmarks);
            }
        }

        html.Append("</svg></figure>");
    }

    /// <summary>A whole page around <paramref name="body"/>: the stylesheet inline (a saved file) or linked (the server).</summary>
    public static string Page(string title, string body, string? header = null, string? stylesheetHref = null, string? scriptHref = null)
    {
        var html = new StringBuilder(body.Length + 4096);
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><link rel=\"icon\" href=\"data:,\"><title>")
            .Append(Enc(title)).Append("</title>");
        html.Append(stylesheetHref is null ? "<style>" + Css + "</style>" : $"<link rel=\"stylesheet\" href=\"{Enc(stylesheetHref)}\">");
        if (scriptHref is not null)
        {
            html.Append(CultureInfo.InvariantCulture, $"<script src=\"{Enc(scriptHref)}\" defer></script>");
        }

        html.Append("</head><body>").Append(header ?? string.Empty).Append("<main>").Append(body).Append("</main></body></html>");
        return html.ToString();
    }

    /// <summary>HTML-encodes text for an element or an attribute.</summary>
    public static string Enc(string text) => WebUtility.HtmlEncode(text);

    private static void AppendHit(StringBuilder html, FaceHit hit, IResultLinks links)
    {
        html.Append(CultureInfo.InvariantCulture, $"<figure class=\"card hit{(hit.SamePerson ? " same" : string.Empty)}\" data-face-id=\"{hit.FaceId}\">");
        var href = links.HitHref(hit);
        html.Append(href is null ? string.Empty : $"<a href=\"{Enc(href)}\">").Append("<span class=\"thumb\">");
        html.Append(links.HitSrc(hit) is { } src
            ? $"<img alt=\"{Enc(hit.Identity ?? "face")} ({Enc(hit.Dataset)})\" src=\"{Enc(src)}\" loading=\"lazy\">"
            : "<span class=\"missing\">image not available</span>");
        html.Append("</span>").Append(href is null ? string.Empty : "</a>");
        html.Append(CultureInfo.InvariantCulture, $"<figcaption>#{hit.Rank} <span class=\"identity\">{Enc(hit.Identity ?? "(no label)")}</span><br>")
            .Append(CultureInfo.InvariantCulture, $"<span class=\"d\">{Enc(hit.Dataset)}</span><br>")
            .Append(CultureInfo.InvariantCulture, $"<span class=\"d\">distance {hit.Distance:F3}, similarity {hit.Similarity:F3}</span><br>")
            .Append(hit.SamePerson ? "same person: <b>yes</b>" : "same person: no");
        if (links.SimilarHref(hit) is { } similar)
        {
            html.Append(CultureInfo.InvariantCulture, $"<br><a class=\"similar\" href=\"{Enc(similar)}\">search from this face</a>");
        }

        html.Append(CultureInfo.InvariantCulture, $"<br><span class=\"path\">{Enc(hit.ImagePath)}</span></figcaption></figure>");
    }

    private static void AppendLandmarks(StringBuilder html, FaceBox box, IReadOnlyList<LandmarkPoint> points)
    {
        var r = Math.Max(1.0, box.Width / 70.0).ToString("F1", CultureInfo.InvariantCulture);
        html.Append("<g fill=\"#fc3\" stroke=\"#000\" stroke-width=\"0.3\">");
        foreach (var p in points)
        {
            html.Append(CultureInfo.InvariantCulture, $"<circle cx=\"{p.X}\" cy=\"{p.Y}\" r=\"{r}\"/>");
        }

        html.Append("</g>");
    }
}
