using System.Globalization;
using System.Text;
using FaceIndex.Catalog;
using FaceIndex.Search;
using static FaceIndex.Search.ResultHtml;

namespace FaceIndex.Web;

/// <summary>The server's HTML pages; results go through <see cref="ResultHtml"/>, the rendering <c>query --html</c> uses too.</summary>
internal static class Pages
{
    public const string Css = "/static/site.css";
    public const string Js = "/static/app.js";

    public static string Wrap(string title, string body, ServeOptions options) =>
        Page(title + " - FaceIndex", body, Header(options), Css, Js);

    public static string Home(ServeOptions options, IReadOnlyList<DatasetSummary> datasets, long faces)
    {
        var html = new StringBuilder();
        html.Append("<h1>Search the library by face</h1>")
            .Append("<form class=\"upload\" method=\"post\" action=\"/query\" enctype=\"multipart/form-data\">")
            .Append("<p><label>Drop a photo here or choose one: <input type=\"file\" name=\"photo\" accept=\"image/jpeg,image/png,image/webp,image/bmp\" required></label></p>")
            .Append("<p><label>results per face <input type=\"number\" name=\"k\" value=\"10\" min=\"1\" max=\"100\"></label> ")
            .Append("<label>dataset <select name=\"dataset\"><option value=\"\">all</option>");
        foreach (var d in datasets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<option value=\"{Enc(d.Name)}\">{Enc(d.Name)}</option>");
        }

        html.Append("</select></label> <button type=\"submit\">Search</button> <span class=\"status\"></span></p></form>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"note\">{faces:N0} indexed faces in {datasets.Count} dataset(s). Each search gets a permalink; what is kept for it: {Enc(options.KeptDescription)}. Removal requests made later apply to kept results too. Upload limit {options.MaxUploadBytes / 1048576} MiB.</p>");
        return Wrap("Search", html.ToString(), options);
    }

    public static string Result(StoredResult stored, string? photoSrc, ServeOptions options, bool fresh)
    {
        var html = new StringBuilder();
        var permalink = $"/r/{stored.Id}";
        html.Append(fresh ? "<h1>Result</h1>" : "<h1>Stored result</h1>")
            .Append(CultureInfo.InvariantCulture, $"<p class=\"note\">Permalink: <a id=\"permalink\" href=\"{permalink}\">{permalink}</a>. {Enc(ResultStore.Describe(stored))}.");
        if (!stored.HasPhoto && !fresh)
        {
            html.Append(" The photo itself was not kept, so only its face crops are shown.");
        }

        if (stored.RemovedSince > 0)
        {
            html.Append(CultureInfo.InvariantCulture, $" {stored.RemovedSince} hit(s) are no longer shown: their faces were removed from the library after this search.");
        }

        html.Append(CultureInfo.InvariantCulture, $" Distance: Euclidean on raw 128-d embeddings; same person below {ResultHtml.Enc(stored.Result.Threshold?.Description ?? FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture))}.</p>");
        ResultHtml.Append(html, stored.Result, new ServerLinks(stored.Id, photoSrc));
        return Wrap("Result", html.ToString(), options);
    }

    public static string Face(StoredFace face, StoredImage image, IReadOnlyList<StoredFace> faces, ServeOptions options)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>{Enc(face.Identity ?? "(no label)")}</h1><p class=\"note\">Dataset <a href=\"/datasets/{Uri.EscapeDataString(face.Dataset)}\">{Enc(face.Dataset)}</a>, image {Enc(image.RelPath)} ({image.Width}x{image.Height}), face {face.FaceIndex} of {faces.Count}. ")
            .Append(CultureInfo.InvariantCulture, $"<a class=\"similar\" href=\"/faces/{face.Id}/similar\">search from this face</a></p>");
        AppendPhoto(html, ServerLinks.Image(image.Id), image.Width, image.Height, faces.Select(f => (f.Box, (IReadOnlyList<Landmarks.LandmarkPoint>?)f.Landmarks, $"face {f.FaceIndex}")), image.RelPath);
        html.Append("<h2>Faces in this image</h2><div class=\"faces\">");
        foreach (var f in faces)
        {
            html.Append(CultureInfo.InvariantCulture, $"<figure class=\"card\"><a href=\"{ServerLinks.Face(f.Id)}\"><span class=\"thumb\"><img alt=\"face {f.FaceIndex}\" src=\"{ServerLinks.FaceImage(f.Id)}\"></span></a><figcaption>face {f.FaceIndex}{(f.IsSubject ? " (subject)" : "")}<br><a class=\"similar\" href=\"/faces/{f.Id}/similar\">search from this face</a></figcaption></figure>");
        }

        html.Append("</div>");
        return Wrap(face.Identity ?? "face", html.ToString(), options);
    }

    public static string Similar(StoredFace face, QueryResult result, ServeOptions options)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>Faces like {Enc(face.Identity ?? "(no label)")}'s</h1><p class=\"note\">The query is indexed face {face.Id} ({Enc(face.Dataset)}/{Enc(face.RelPath)}); it is left out of its own hits.</p>");
        ResultHtml.Append(html, result, new ServerLinks(null, null, face.Id));
        return Wrap("Similar faces", html.ToString(), options);
    }

    public static string Datasets(IReadOnlyList<DatasetSummary> datasets, ServeOptions options)
    {
        var html = new StringBuilder("<h1>Datasets</h1><table><tr><th>dataset</th><th>licence</th><th>source</th><th>consent basis</th><th>citation</th><th>images</th><th>ok</th><th>no face</th><th>failed</th><th>removals</th></tr>");
        foreach (var d in datasets)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a href=\"/datasets/{Uri.EscapeDataString(d.Name)}\">{Enc(d.Name)}</a></td><td>{Enc(d.Licence)}</td><td>{Enc(d.Source ?? "-")}</td><td>{Enc(d.Consent ?? "-")}</td><td>{Enc(d.Citation ?? "-")}</td><td>{d.Images:N0}</td><td>{d.Ok:N0}</td><td>{d.NoFace:N0}</td><td>{d.Failed:N0}</td><td>{d.Removals:N0}</td></tr>");
        }

        return Wrap("Datasets", html.Append("</table>").ToString(), options);
    }

    public static string Dataset(DatasetSummary dataset, IReadOnlyList<IdentityCount> identities, ServeOptions options)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>{Enc(dataset.Name)}</h1><p class=\"note\">Licence: {Enc(dataset.Licence)}. Source: {Enc(dataset.Source ?? "-")}. Consent basis: {Enc(dataset.Consent ?? "-")}. {dataset.Images:N0} images, {identities.Count:N0} identities.</p>")
            .Append("<table><tr><th>identity</th><th>images</th><th>faces</th></tr>");
        foreach (var i in identities)
        {
            html.Append(CultureInfo.InvariantCulture, $"<tr><td><a class=\"identity\" href=\"/datasets/{Uri.EscapeDataString(dataset.Name)}/identities/{Uri.EscapeDataString(i.Identity)}\">{Enc(i.Identity)}</a></td><td>{i.Images:N0}</td><td>{i.Faces:N0}</td></tr>");
        }

        return Wrap(dataset.Name, html.Append("</table>").ToString(), options);
    }

    public static string Identity(string dataset, string identity, IReadOnlyList<StoredFace> faces, ServeOptions options)
    {
        var html = new StringBuilder();
        html.Append(CultureInfo.InvariantCulture, $"<h1>{Enc(identity)}</h1><p class=\"note\">In <a href=\"/datasets/{Uri.EscapeDataString(dataset)}\">{Enc(dataset)}</a>: {faces.Count} face(s).</p><div class=\"faces\">");
        foreach (var f in faces)
        {
            html.Append(CultureInfo.InvariantCulture, $"<figure class=\"card\"><a href=\"{ServerLinks.Face(f.Id)}\"><span class=\"thumb\"><img alt=\"{Enc(identity)}\" src=\"{ServerLinks.FaceImage(f.Id)}\" loading=\"lazy\"></span></a><figcaption><span class=\"path\">{Enc(f.RelPath)}</span><br><a class=\"similar\" href=\"/faces/{f.Id}/similar\">search from this face</a></figcaption></figure>");
        }

        return Wrap(identity, html.Append("</div>").ToString(), options);
    }

    public static string Info(LibraryInfo info, ServeOptions options)
    {
        var html = new StringBuilder("<h1>Library</h1><table>");
        void Row(string k, string v) => html.Append(CultureInfo.InvariantCulture, $"<tr><th>{Enc(k)}</th><td>{Enc(v)}</td></tr>");
        Row("faces", info.Faces.ToString("N0", CultureInfo.InvariantCulture));
        Row("images", string.Join(", ", info.Statuses.Select(kv => $"{kv.Key} {kv.Value:N0}")));
        var meta = info.Index;
        Row("index", meta is null ? "not built (faces are searched exactly)" : string.Create(CultureInfo.InvariantCulture, $"{meta.Items:N0} faces, {meta.Describe()}, built {meta.BuiltAt:yyyy-MM-dd HH:mm} UTC"));
        if (meta is not null)
        {
            Row("measured recall@10", string.Create(CultureInfo.InvariantCulture, $"{meta.RecallAt10:F3} on {meta.RecallQueries} indexed faces against exact search ({meta.Tuning})"));
            Row("model", meta.ModelId);
        }

        Row("since the build", string.Create(CultureInfo.InvariantCulture, $"{info.FacesSinceBuild:N0} faces (searched exactly until a writer rebuilds the index)"));
        Row("removal requests", info.Removals.ToString(CultureInfo.InvariantCulture));
        Row("kept with each result", options.KeptDescription);
        Row("analyses at once / waiting", $"{options.EffectiveMaxAnalyses} / {options.EffectiveQueueLimit}");
        html.Append("</table><p class=\"note\">The API is described by <a href=\"/openapi/v1.json\">/openapi/v1.json</a>.</p>");
        return Wrap("Library", html.ToString(), options);
    }

    public static string Error(int status, string message, ServeOptions options) =>
        Wrap("Problem", string.Create(CultureInfo.InvariantCulture, $"<h1>{status}</h1><p class=\"error\">{Enc(message)}</p><p><a href=\"/\">Back to the search</a></p>"), options);

    private static string Header(ServeOptions options) =>
        "<header><a class=\"brand\" href=\"/\">FaceIndex</a><a href=\"/\">Search</a><a href=\"/datasets\">Datasets</a><a href=\"/info\">Library</a>"
        + (options.ReportsDir is null ? string.Empty : "<a href=\"/reports/\">Reports</a>")
        + "<a href=\"/openapi/v1.json\">API</a></header>";
}
