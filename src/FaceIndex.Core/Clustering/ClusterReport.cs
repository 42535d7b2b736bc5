using System.Globalization;
using System.Net;
using System.Text;
using System.Text.Json;
using FaceIndex.Audit;

namespace FaceIndex.Clustering;

/// <summary>Writes a clustering to a folder: clusters.csv (a cluster id per face), clusters.json, and clusters.html (one montage per cluster, self-contained).</summary>
public static class ClusterReport
{
    /// <summary>Writes the three files; montages show at most <paramref name="perCluster"/> faces of the first <paramref name="maxClusters"/> clusters.</summary>
    public static string Write(string folder, ClusterResult result, FaceThumbnails thumbnails, int perCluster = 24, int maxClusters = 300)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(thumbnails);
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, "clusters.csv"), Csv(result));
        File.WriteAllText(Path.Combine(folder, "clusters.json"), JsonSerializer.Serialize(result, AuditHtmlReport.Json));
        var html = new StringBuilder();
        var o = result.Options;
        html.Append("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>FaceIndex clusters: ").Append(Enc(o.Dataset)).Append("</title><style>")
            .Append("body{font-family:system-ui,sans-serif;margin:2em;color:#222}.m{display:flex;flex-wrap:wrap;gap:4px;margin:.4em 0 1.4em}.m img{width:72px;height:72px;border-radius:4px}")
            .Append(".m div{width:76px;font-size:10px;text-align:center;overflow-wrap:anywhere;color:#555}</style></head><body>")
            .Append("<h1>Clusters of ").Append(Enc(o.Dataset)).Append("</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p>{o.Algorithm} over the {o.Neighbours} nearest faces of each face (face index), same person below {result.Threshold:F3}; clusters under {o.MinSize} faces are listed as unclustered (id -1); seed {o.Seed}. Made by FaceIndex on {result.MadeAt:yyyy-MM-dd HH:mm} UTC.</p>");
        if (result.Metrics is { } m)
        {
            html.Append(CultureInfo.InvariantCulture, $"<p>Against the dataset's labels (hidden from the clustering), on {m.Items:N0} labelled faces: {m.Clusters:N0} clusters for {m.Identities:N0} identities ({m.Singletons:N0} single faces); pairwise precision {m.PairwisePrecision:F3}, recall {m.PairwiseRecall:F3}, F {m.PairwiseF:F3}; BCubed precision {m.BCubedPrecision:F3}, recall {m.BCubedRecall:F3}, F {m.BCubedF:F3}.</p>");
        }

        foreach (var cluster in result.Clusters.Take(maxClusters))
        {
            var labels = cluster.Faces.Where(f => f.Identity is not null).GroupBy(f => f.Identity).OrderByDescending(g => g.Count()).Select(g => $"{g.Key} {g.Count()}");
            html.Append(CultureInfo.InvariantCulture, $"<h2>{(cluster.Id < 0 ? "Unclustered" : "Cluster " + cluster.Id.ToString(CultureInfo.InvariantCulture))}: {cluster.Faces.Count} face(s)</h2>")
                .Append("<p>").Append(Enc(string.Join(", ", labels))).Append("</p><div class=\"m\">");
            foreach (var face in cluster.Faces.Take(perCluster))
            {
                var src = thumbnails.DataUri(face.Dataset, face.ImagePath, face.Box);
                html.Append("<div>").Append(src is null ? "<span style=\"display:block;width:72px;height:72px;background:#eee\"></span>" : $"<img alt=\"face {face.FaceId}\" src=\"{src}\">")
                    .Append(Enc(face.Identity ?? Path.GetFileName(face.ImagePath))).Append("</div>");
            }

            html.Append(cluster.Faces.Count > perCluster ? $"<div>+{cluster.Faces.Count - perCluster} more</div>" : string.Empty).Append("</div>");
            thumbnails.Clear();
        }

        html.Append("</body></html>");
        var path = Path.Combine(folder, "clusters.html");
        File.WriteAllText(path, html.ToString());
        return path;
    }

    /// <summary>face_id, cluster (-1: unclustered), dataset, image_path, identity, box.</summary>
    public static string Csv(ClusterResult result)
    {
        ArgumentNullException.ThrowIfNull(result);
        var csv = new StringBuilder("face_id,cluster,dataset,image_path,identity,box_left,box_top,box_right,box_bottom\n");
        foreach (var cluster in result.Clusters)
        {
            foreach (var f in cluster.Faces.OrderBy(f => f.FaceId))
            {
                csv.Append(CultureInfo.InvariantCulture, $"{f.FaceId},{cluster.Id},{Q(f.Dataset)},{Q(f.ImagePath)},{Q(f.Identity ?? string.Empty)},{f.Box.Left},{f.Box.Top},{f.Box.Right},{f.Box.Bottom}\n");
            }
        }

        return csv.ToString();
    }

    private static string Q(string s) => "\"" + s.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static string Enc(string text) => WebUtility.HtmlEncode(text);
}
