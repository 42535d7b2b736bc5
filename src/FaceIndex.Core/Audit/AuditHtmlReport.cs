using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace FaceIndex.Audit;

/// <summary>
/// Writes an audit to a folder: audit.html (self-contained: thumbnails inline, the suspect face framed, the faces it is
/// compared with beside it), findings.json and findings.csv.
/// </summary>
public static class AuditHtmlReport
{
    /// <summary>JSON settings of findings.json (and of the CLI's --json).</summary>
    public static JsonSerializerOptions Json { get; } = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        Converters = { new JsonStringEnumConverter(JsonNamingPolicy.CamelCase) },
    };

    /// <summary>Writes the report files into <paramref name="folder"/>; thumbnails for the first <paramref name="maxWithThumbnails"/> findings.</summary>
    public static string Write(string folder, AuditResult result, FaceThumbnails thumbnails, int maxWithThumbnails = 400)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(thumbnails);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "findings.json"), JsonSerializer.Serialize(result, Json));
        File.WriteAllText(Path.Combine(folder, "findings.csv"), Csv(result));
        var c = result.Calibration;
        var html = new StringBuilder();
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FaceIndex audit: ").Append(Enc(result.Options.Dataset)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}table{border-collapse:collapse}td,th{padding:2px 8px;border-bottom:1px solid #ddd;text-align:left}")
            .Append(".f{margin:1.2em 0;padding:.6em;border:1px solid #ddd;border-radius:8px}.row{display:flex;gap:8px;flex-wrap:wrap}.card{width:100px;font-size:11px;text-align:center;overflow-wrap:anywhere}")
            .Append(".card img{width:96px;height:96px;border-radius:4px;border:3px solid #ccc}.s img{border-color:#c33}.k{font-weight:bold}.c{color:#555}</style></head><body>")
            .Append("<h1>Audit of ").Append(Enc(result.Options.Dataset)).Append(result.Options.Against is { } a ? " against " + Enc(a) : string.Empty).Append("</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>{result.Faces:N0} faces, {result.LabelledSubjects:N0} labelled subject faces, {result.Identities:N0} identities. {result.Findings.Count:N0} findings, most confident first. Made by FaceIndex on {result.MadeAt:yyyy-MM-dd HH:mm} UTC; seed {result.Options.Seed}, {result.Options.Neighbours} neighbours per face from the face index.</p>")
            .Append("<h2>Thresholds</h2><table>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>same person below</th><td>{c.SameThreshold:F3}</td></tr><tr><th>same photo below</th><td>{c.DuplicateThreshold:F3}</td></tr><tr><th>margin</th><td>{c.Margin:F3}</td></tr>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>same-identity distances ({c.SamePairs:N0} pairs)</th><td>P5 {c.SameP5:F3}, P50 {c.SameP50:F3}, P95 {c.SameP95:F3}, P99 {c.SameP99:F3}</td></tr>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>different-identity distances ({c.DifferentPairs:N0} pairs)</th><td>P1 {c.DifferentP1:F3}, P5 {c.DifferentP5:F3}, P50 {c.DifferentP50:F3}</td></tr>")
            .Append(CultureInfo.InvariantCulture, $"<tr><th>how</th><td>{Enc(c.How)}; quality threshold {result.Options.QualityThreshold:F2}. Adjust with --same-threshold, --duplicate-threshold, --margin, --quality-threshold.</td></tr></table>")
            .Append("<h2>Findings per kind</h2><table>");
        foreach (var (kind, n) in result.CountByKind)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><th>{kind}</th><td>{n:N0}</td></tr>");
        }

        html.Append("</table><h2>Findings</h2><p>The red-framed face is the one the finding is about; the others are what it was compared with.</p>");
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            html.Append(CultureInfo.InvariantCulture, $"<div class=\"f\"><div><span class=\"k\">#{i + 1} {f.Kind}</span> confidence {f.Confidence:F2}: {Enc(f.Summary)}</div>")
                .Append("<div class=\"c\">").Append(Enc(string.Join(", ", f.Evidence.Select(kv => string.Create(CultureInfo.InvariantCulture, $"{kv.Key} {kv.Value:0.###}"))))).Append("</div><div class=\"row\">");
            for (var j = 0; j < f.Faces.Count; j++)
            {
                var face = f.Faces[j];
                var src = i < maxWithThumbnails ? thumbnails.DataUri(face.Dataset, face.ImagePath, face.Box) : null;
                html.Append("<div class=\"card").Append(j == 0 ? " s" : string.Empty).Append("\">")
                    .Append(src is null ? "<div style=\"width:96px;height:96px;background:#eee\"></div>" : $"<img alt=\"face {face.FaceId}\" src=\"{src}\">")
                    .Append(CultureInfo.InvariantCulture, $"<div>{Enc(face.Identity ?? "(no label)")}</div><div class=\"c\">{Enc(face.Dataset)}/{Enc(face.ImagePath)} #{face.FaceId}</div></div>");
            }

            html.Append("</div></div>");
            if (i % 50 == 49)
            {
                thumbnails.Clear();
            }
        }

        html.Append("</body></html>");
        var path = Path.Combine(folder, "audit.html");
        File.WriteAllText(path, html.ToString());
        return path;
    }

    /// <summary>One line per finding: rank, kind, confidence, suggestion, face ids, paths, summary.</summary>
    public static string Csv(AuditResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var csv = new StringBuilder("rank,kind,confidence,suggestion,face_ids,images,summary\n");
        for (var i = 0; i < result.Findings.Count; i++)
        {
            var f = result.Findings[i];
            csv.Append(CultureInfo.InvariantCulture, $"{i + 1},{f.Kind},{f.Confidence:F4},{Q(f.Suggestion ?? string.Empty)},{Q(string.Join(' ', f.Faces.Select(x => x.FaceId)))},{Q(string.Join(' ', f.Faces.Select(x => x.Dataset + "/" + x.ImagePath)))},{Q(f.Summary)}\n");
        }

        return csv.ToString();
    }

    private static string Q(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
