using System.Globalization;
using System.Text;
using FaceIndex.Search;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace FaceIndex.Web;

/// <summary>The pages: search, result and permalink, a face's image, similar faces, datasets, identities, info, reports; and pictures by id.</summary>
internal static class PageEndpoints
{
    private static readonly HashSet<string> ReportTypes = new(StringComparer.OrdinalIgnoreCase) { ".md", ".json", ".png", ".csv", ".txt" };

    public static void Map(IEndpointRouteBuilder e, ServeOptions options)
    {
        e.MapGet("/static/site.css", () => Results.Text(ResultHtml.Css, "text/css; charset=utf-8")).ExcludeFromDescription();
        e.MapGet("/static/app.js", () => Results.Text(StaticFiles.AppJs, "text/javascript; charset=utf-8")).ExcludeFromDescription();

        e.MapGet("/", async (LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            var catalog = lease.Library.Catalog;
            return Html(Pages.Home(options, catalog.DatasetSummaries(withRoot: false), catalog.FaceCount()));
        }).ExcludeFromDescription();

        e.MapPost("/query", async (HttpRequest request, QueryService queries, CancellationToken ct) =>
        {
            var (photo, query) = await Uploads.ReadAsync(request, options, ct).ConfigureAwait(false);
            var (stored, analysis) = await queries.QueryAsync(photo, query, ct).ConfigureAwait(false);
            var src = "data:image/jpeg;base64," + Convert.ToBase64String(FaceCrop.Jpeg(analysis.Image, 1024));
            return Html(Pages.Result(stored, src, options, fresh: true));
        }).RequireRateLimiting(FaceIndexServer.AnalysisPolicy).ExcludeFromDescription();

        e.MapGet("/r/{id}", async (string id, QueryService queries, CancellationToken ct) =>
        {
            var stored = await queries.GetAsync(id, ct).ConfigureAwait(false);
            return stored is null
                ? NotFound($"no stored result {id}: the link is wrong, or the results folder was cleared")
                : Html(Pages.Result(stored, stored.HasPhoto ? $"/results/{stored.Id}/photo" : null, options, fresh: false));
        }).ExcludeFromDescription();

        e.MapGet("/results/{id}/photo", (string id, ResultStore store) => Bytes(store.Photo(id), "image/jpeg")).ExcludeFromDescription();
        e.MapGet("/results/{id}/faces/{n:int}", (string id, int n, ResultStore store) => Bytes(store.Crop(id, n), "image/png")).ExcludeFromDescription();
        e.MapGet("/img/faces/{id:long}", async (long id, ImageService images, CancellationToken ct) => Bytes(await images.FaceCropAsync(id, ct).ConfigureAwait(false), "image/png")).ExcludeFromDescription();
        e.MapGet("/img/images/{id:long}", async (long id, ImageService images, CancellationToken ct) => Bytes(await images.ImageAsync(id, ct).ConfigureAwait(false), "image/jpeg")).ExcludeFromDescription();

        e.MapGet("/faces/{id:long}", async (long id, LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            var catalog = lease.Library.Catalog;
            var face = catalog.GetFace(id);
            var image = face is null ? null : catalog.GetImageById(face.ImageId);
            return face is null || image is null
                ? NotFound($"no face {id} (removed, or never indexed)")
                : Html(Pages.Face(face, image, catalog.FacesOfImage(image.Id), options));
        }).ExcludeFromDescription();

        e.MapGet("/faces/{id:long}/similar", async (long id, int? k, LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            var face = lease.Library.Catalog.GetFace(id);
            if (face is null)
            {
                return NotFound($"no face {id} (removed, or never indexed)");
            }

            var hits = lease.Library.QueryByFaceId(id, Math.Clamp(k ?? 10, 1, Uploads.MaxK));
            var result = new QueryResult($"face:{id}", 0, 0, [new QueryFace(face.FaceIndex, face.Box, face.Score, hits)]);
            return Html(Pages.Similar(face, result, options));
        }).ExcludeFromDescription();

        e.MapGet("/datasets", async (LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            return Html(Pages.Datasets(lease.Library.Catalog.DatasetSummaries(withRoot: false), options));
        }).ExcludeFromDescription();

        e.MapGet("/datasets/{name}", async (string name, LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            var catalog = lease.Library.Catalog;
            var dataset = catalog.DatasetSummaries(withRoot: false).FirstOrDefault(d => d.Name == name);
            return dataset is null ? NotFound($"no dataset {name}") : Html(Pages.Dataset(dataset, catalog.Identities(name), options));
        }).ExcludeFromDescription();

        e.MapGet("/datasets/{name}/identities/{identity}", async (string name, string identity, LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            var faces = lease.Library.Catalog.FacesOfIdentity(name, identity);
            return faces.Count == 0 ? NotFound($"no faces of {identity} in {name} (removed, or not indexed)") : Html(Pages.Identity(name, identity, faces, options));
        }).ExcludeFromDescription();

        e.MapGet("/info", async (LibraryPool pool, CancellationToken ct) =>
        {
            using var lease = await pool.RentAsync(ct).ConfigureAwait(false);
            return Html(Pages.Info(ApiEndpoints.Info(lease.Library), options));
        }).ExcludeFromDescription();

        if (options.ReportsDir is { } reports)
        {
            var root = Path.GetFullPath(reports);
            e.MapGet("/reports/{**path}", (string? path) => Report(root, path ?? string.Empty, options)).ExcludeFromDescription();
        }
    }

    /// <summary>A file of the reports folder (only report file types, never outside the folder), or the list of them.</summary>
    private static IResult Report(string root, string path, ServeOptions options)
    {
        if (path.Length == 0 || path.EndsWith('/'))
        {
            var list = new StringBuilder("<h1>Evaluation reports</h1><ul>");
            if (Directory.Exists(root))
            {
                foreach (var file in Directory.EnumerateFiles(root, "report.md", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
                {
                    var rel = Path.GetRelativePath(root, file).Replace('\\', '/');
                    list.Append(CultureInfo.InvariantCulture, $"<li><a href=\"/reports/{string.Join('/', rel.Split('/').Select(Uri.EscapeDataString))}\">{ResultHtml.Enc(rel)}</a></li>");
                }
            }

            return Html(Pages.Wrap("Reports", list.Append("</ul>").ToString(), options));
        }

        var full = Path.GetFullPath(Path.Combine(root, path));
        if (!full.StartsWith(root + Path.DirectorySeparatorChar, StringComparison.Ordinal) || !ReportTypes.Contains(Path.GetExtension(full)) || !File.Exists(full))
        {
            return NotFound("no such report file");
        }

        var ext = Path.GetExtension(full).ToLowerInvariant();
        if (ext != ".md")
        {
            return Results.File(File.ReadAllBytes(full), ext switch { ".png" => "image/png", ".json" => "application/json", ".csv" => "text/csv", _ => "text/plain" });
        }

        var dir = Path.GetDirectoryName(full)!;
        var relDir = Path.GetRelativePath(root, dir).Replace('\\', '/');
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>{ResultHtml.Enc(Path.GetRelativePath(root, full))}</h1>");
        foreach (var png in Directory.EnumerateFiles(dir, "*.png", SearchOption.AllDirectories).Order(StringComparer.Ordinal))
        {
            var rel = (relDir == "." ? "" : relDir + "/") + Path.GetRelativePath(dir, png).Replace('\\', '/');
            html.Append(CultureInfo.InvariantCulture, $"<figure class=\"photo\"><img alt=\"{ResultHtml.Enc(Path.GetFileName(png))}\" src=\"/reports/{string.Join('/', rel.Split('/').Select(Uri.EscapeDataString))}\"></figure> ");
        }

        html.Append("<pre>").Append(ResultHtml.Enc(File.ReadAllText(full))).Append("</pre>");
        return Html(Pages.Wrap("Report", html.ToString(), options));
    }

    private static IResult Html(string html) => Results.Content(html, "text/html; charset=utf-8");

    private static IResult Bytes(byte[]? data, string type) => data is null ? Results.NotFound() : Results.File(data, type);

    private static IResult NotFound(string message) => Results.Content(message, "text/plain; charset=utf-8", statusCode: StatusCodes.Status404NotFound);
}
