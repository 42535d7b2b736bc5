using System.Net;
using System.Net.Http.Headers;
using System.Text.Json;
using FaceIndex.Catalog;

namespace FaceIndex.Web.Tests;

/// <summary>The HTTP API in-process (WebApplicationFactory), on a real library of the committed sample photos.</summary>
public sealed class ApiTests : IClassFixture<SampleLibrary>
{
    private readonly SampleLibrary _sample;

    public ApiTests(SampleLibrary sample) => _sample = sample;

    [Fact]
    public async Task A_photo_query_ranks_the_right_identity_first_and_its_permalink_shows_the_same_result()
    {
        using var factory = new ServerFactory(_sample.Options());
        using var client = factory.CreateClient();
        using var response = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2));
        var body = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, body);
        using var doc = JsonDocument.Parse(body);
        var hits = doc.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits");
        Assert.Equal(3, hits.GetArrayLength());
        Assert.Equal("obama", hits[0].GetProperty("identity").GetString());
        Assert.True(hits[0].GetProperty("samePerson").GetBoolean());
        Assert.Equal(68, doc.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("landmarks").GetArrayLength());

        var id = doc.RootElement.GetProperty("id").GetString()!;
        Assert.Equal($"/r/{id}", doc.RootElement.GetProperty("permalink").GetString());
        using var stored = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/results/{id}", UriKind.Relative)));
        Assert.Equal(
            hits[0].GetProperty("faceId").GetInt64(),
            stored.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits")[0].GetProperty("faceId").GetInt64());
        Assert.False(stored.RootElement.GetProperty("hasPhoto").GetBoolean());

        var page = await client.GetStringAsync(new Uri($"/r/{id}", UriKind.Relative));
        Assert.Contains("class=\"identity\">obama<", page, StringComparison.Ordinal);
        Assert.Contains("the photo itself is not kept", page, StringComparison.Ordinal);
        Assert.Contains($"/results/{id}/faces/0", page, StringComparison.Ordinal);

        using var crop = await client.GetAsync(new Uri($"/results/{id}/faces/0", UriKind.Relative));
        Assert.Equal("image/png", crop.Content.Headers.ContentType?.MediaType);
        using var photo = await client.GetAsync(new Uri($"/results/{id}/photo", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, photo.StatusCode);
    }

    [Fact]
    public async Task Bad_uploads_each_get_a_clear_4xx_and_the_server_keeps_serving()
    {
        using var factory = new ServerFactory(_sample.Options());
        using var client = factory.CreateClient();
        foreach (var (name, data, status) in Uploads.Bad())
        {
            using var response = await Uploads.Query(client, data);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{name}: {(int)response.StatusCode} {body}");
            Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
            using var problem = JsonDocument.Parse(body);
            Assert.False(string.IsNullOrWhiteSpace(problem.RootElement.GetProperty("detail").GetString()), name);
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }

        using var good = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
    }

    [Fact]
    public async Task A_photo_without_a_face_is_422_NoFace()
    {
        using var factory = new ServerFactory(_sample.Options());
        using var client = factory.CreateClient();
        var blank = new byte[64 * 64 * 3];
        using var image = SixLabors.ImageSharp.Image.LoadPixelData<SixLabors.ImageSharp.PixelFormats.Rgb24>(blank, 64, 64);
        using var png = new MemoryStream();
        SixLabors.ImageSharp.ImageExtensions.SaveAsPng(image, png);
        using var response = await Uploads.Query(client, png.ToArray(), "blank.png");
        Assert.Equal(HttpStatusCode.UnprocessableEntity, response.StatusCode);
        Assert.Contains("NoFace", await response.Content.ReadAsStringAsync(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Browse_endpoints_answer_with_the_cli_json()
    {
        using var factory = new ServerFactory(_sample.Options());
        using var client = factory.CreateClient();
        using var datasets = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/datasets", UriKind.Relative)));
        var sample = datasets.RootElement[0];
        Assert.Equal("sample", sample.GetProperty("name").GetString());
        Assert.Equal("MIT", sample.GetProperty("licence").GetString());
        Assert.Equal(6, sample.GetProperty("images").GetInt32());
        Assert.False(sample.TryGetProperty("root", out _), "the server does not reveal where the dataset lives on disk");

        using var info = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/info", UriKind.Relative)));
        Assert.True(info.RootElement.GetProperty("faces").GetInt32() >= 7);
        Assert.Equal("annoy", info.RootElement.GetProperty("index").GetProperty("kind").GetString());

        using var similar = JsonDocument.Parse(await client.GetStringAsync(new Uri("/api/faces/1/similar?k=2", UriKind.Relative)));
        var hits = similar.RootElement.GetProperty("faces")[0].GetProperty("hits");
        Assert.Equal(2, hits.GetArrayLength());
        Assert.NotEqual(1, hits[0].GetProperty("faceId").GetInt64());

        using var missing = await client.GetAsync(new Uri("/api/faces/999999/similar", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);

        var openApi = await client.GetStringAsync(new Uri("/openapi/v1.json", UriKind.Relative));
        Assert.Contains("/api/query", openApi, StringComparison.Ordinal);
        Assert.Contains("/api/faces/{id}/similar", openApi, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Pages_carry_a_strict_csp_and_images_come_by_id_only()
    {
        using var factory = new ServerFactory(_sample.Options());
        using var client = factory.CreateClient();
        using var home = await client.GetAsync(new Uri("/", UriKind.Relative));
        var csp = string.Join(";", home.Headers.GetValues("Content-Security-Policy"));
        Assert.Contains("default-src 'none'", csp, StringComparison.Ordinal);
        Assert.Contains("script-src 'self'", csp, StringComparison.Ordinal);
        Assert.DoesNotContain("unsafe-inline", csp, StringComparison.Ordinal);
        Assert.Equal("nosniff", home.Headers.GetValues("X-Content-Type-Options").Single());

        using var crop = await client.GetAsync(new Uri("/img/faces/1", UriKind.Relative));
        Assert.Equal("image/png", crop.Content.Headers.ContentType?.MediaType);
        using var image = await client.GetAsync(new Uri("/img/images/1", UriKind.Relative));
        Assert.Equal("image/jpeg", image.Content.Headers.ContentType?.MediaType);

        foreach (var path in new[] { "/img/faces/..%2F..%2Fetc%2Fpasswd", "/reports/..%2F..%2Fetc%2Fpasswd", "/reports/../library/catalog.db", "/img/images/-1" })
        {
            using var response = await client.GetAsync(new Uri(path, UriKind.Relative));
            Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
        }

        foreach (var page in new[] { "/datasets", "/datasets/sample", "/datasets/sample/identities/obama", "/faces/1", "/faces/1/similar", "/info" })
        {
            using var response = await client.GetAsync(new Uri(page, UriKind.Relative));
            Assert.True(response.StatusCode == HttpStatusCode.OK, page);
        }
    }

    [Fact]
    public async Task Without_the_token_a_request_is_401_and_the_cookie_it_sets_is_httponly_and_strict()
    {
        using var factory = new ServerFactory(_sample.Options() with { Token = "s3cret-token" });
        using var client = factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false, HandleCookies = false });
        using (var anonymous = await client.GetAsync(new Uri("/api/info", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var wrong = new HttpRequestMessage(HttpMethod.Get, "/api/info"))
        {
            wrong.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-tokeX");
            using var response = await client.SendAsync(wrong);
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        }

        using (var bearer = new HttpRequestMessage(HttpMethod.Get, "/api/info"))
        {
            bearer.Headers.Authorization = new AuthenticationHeaderValue("Bearer", "s3cret-token");
            using var response = await client.SendAsync(bearer);
            Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        }

        using var login = await client.GetAsync(new Uri("/?token=s3cret-token", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Redirect, login.StatusCode);
        var cookie = login.Headers.GetValues("Set-Cookie").Single();
        Assert.Contains("httponly", cookie, StringComparison.OrdinalIgnoreCase);
        Assert.Contains("samesite=strict", cookie, StringComparison.OrdinalIgnoreCase);
        using var withCookie = new HttpRequestMessage(HttpMethod.Get, "/api/info");
        withCookie.Headers.Add("Cookie", cookie.Split(';')[0]);
        using var ok = await client.SendAsync(withCookie);
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
    }

    [Fact]
    public async Task Beyond_the_running_and_waiting_analyses_the_answer_is_503_with_retry_after()
    {
        using var factory = new ServerFactory(_sample.Options() with { MaxAnalyses = 1, QueueLimit = 1 });
        using var client = factory.CreateClient();
        var photo = File.ReadAllBytes(SampleLibrary.Obama2);
        var responses = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Uploads.Query(client, photo)));
        try
        {
            Assert.Contains(responses, r => r.StatusCode == HttpStatusCode.OK);
            var busy = responses.Where(r => r.StatusCode == HttpStatusCode.ServiceUnavailable).ToList();
            Assert.NotEmpty(busy);
            Assert.All(busy, r => Assert.Equal("1", r.Headers.GetValues("Retry-After").Single()));
            Assert.All(responses, r => Assert.True(r.StatusCode is HttpStatusCode.OK or HttpStatusCode.ServiceUnavailable, r.StatusCode.ToString()));
        }
        finally
        {
            foreach (var r in responses)
            {
                r.Dispose();
            }
        }
    }

    [Fact]
    public async Task A_removal_made_later_applies_to_stored_results()
    {
        var library = _sample.CopyLibrary("removal-" + Guid.NewGuid().ToString("N")[..6]);
        var options = _sample.Options(library) with { KeepPhotos = true };
        using var factory = new ServerFactory(options);
        using var client = factory.CreateClient();
        using var response = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2), k: 5);
        using var doc = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var id = doc.RootElement.GetProperty("id").GetString()!;
        Assert.Contains(doc.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits").EnumerateArray(), h => h.GetProperty("identity").GetString() == "obama");

        // The server holds the library read-only; a writer (as 'faceindex remove' does) removes Obama beside it.
        using (var writer = FaceCatalog.Open(library))
        {
            writer.RemoveIdentity("sample", "obama", "test: a removal request");
        }

        using var stored = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/results/{id}", UriKind.Relative)));
        var hits = stored.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits");
        Assert.DoesNotContain(hits.EnumerateArray(), h => h.GetProperty("identity").GetString() == "obama");
        Assert.True(stored.RootElement.GetProperty("removedSince").GetInt32() >= 2);
        Assert.True(stored.RootElement.GetProperty("hasPhoto").GetBoolean());
        var page = await client.GetStringAsync(new Uri($"/r/{id}", UriKind.Relative));
        Assert.Contains("removed from the library after this search", page, StringComparison.Ordinal);
        Assert.Contains($"/results/{id}/photo", page, StringComparison.Ordinal);

        // A new query does not find the removed faces either, and their crops are gone.
        using var again = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2), k: 5);
        Assert.DoesNotContain("\"obama\"", await again.Content.ReadAsStringAsync(), StringComparison.Ordinal);

        // 'faceindex remove' then scrubs the kept results: nothing of the removed faces stays in the file.
        var store = new ResultStore(options.EffectiveResultsDir);
        int dropped;
        using (var reader = FaceCatalog.Open(library, new CatalogOpenOptions(ReadOnly: true)))
        {
            dropped = store.Scrub(reader.FilterExisting);
        }

        Assert.True(dropped >= 2, $"dropped {dropped}");
        var bytes = System.Text.Encoding.Latin1.GetString(File.ReadAllBytes(store.Path));
        Assert.DoesNotContain("obama/obama.jpg", bytes, StringComparison.Ordinal);
        Assert.DoesNotContain("obama/obama_small.jpg", bytes, StringComparison.Ordinal);
        Assert.False(File.Exists(store.Path + "-wal") && new FileInfo(store.Path + "-wal").Length > 0);
        using var scrubbed = JsonDocument.Parse(await client.GetStringAsync(new Uri($"/api/results/{id}", UriKind.Relative)));
        Assert.Equal(hits.GetArrayLength(), scrubbed.RootElement.GetProperty("result").GetProperty("faces")[0].GetProperty("hits").GetArrayLength());
    }

    [Fact]
    public async Task Evaluation_reports_are_served_from_the_reports_folder_and_nothing_outside_it()
    {
        var options = _sample.Options() with { ReportsDir = Path.Combine(_sample.Root, "reports-" + Guid.NewGuid().ToString("N")[..6]) };
        var run = Path.Combine(options.ReportsDir!, "lfw-verify");
        Directory.CreateDirectory(run);
        await File.WriteAllTextAsync(Path.Combine(run, "report.md"), "# Verification\naccuracy 0.9967 <script>x</script>\n");
        await File.WriteAllBytesAsync(Path.Combine(run, "roc.png"), await File.ReadAllBytesAsync(FaceIndex.Tests.TestPaths.DataFile("faces", "face_recognition", "obama", "obama_small.jpg")));
        await File.WriteAllTextAsync(Path.Combine(_sample.Root, "secret.md"), "outside");
        using var factory = new ServerFactory(options);
        using var client = factory.CreateClient();

        var list = await client.GetStringAsync(new Uri("/reports/", UriKind.Relative));
        Assert.Contains("lfw-verify/report.md", list, StringComparison.Ordinal);
        var report = await client.GetStringAsync(new Uri("/reports/lfw-verify/report.md", UriKind.Relative));
        Assert.Contains("accuracy 0.9967", report, StringComparison.Ordinal);
        Assert.DoesNotContain("<script>x", report, StringComparison.Ordinal);
        Assert.Contains("/reports/lfw-verify/roc.png", report, StringComparison.Ordinal);
        using var png = await client.GetAsync(new Uri("/reports/lfw-verify/roc.png", UriKind.Relative));
        Assert.Equal(HttpStatusCode.OK, png.StatusCode);
        using var outside = await client.GetAsync(new Uri("/reports/..%2Fsecret.md", UriKind.Relative));
        Assert.Equal(HttpStatusCode.NotFound, outside.StatusCode);
    }
}
