using System.Net;
using System.Net.Http.Headers;
using Microsoft.AspNetCore.Builder;

namespace FaceIndex.Web.Tests;

/// <summary>The server as 'faceindex serve' builds it (Kestrel), over a real loopback socket.</summary>
public sealed class SocketTests : IClassFixture<SampleLibrary>
{
    private readonly SampleLibrary _sample;

    public SocketTests(SampleLibrary sample) => _sample = sample;

    [Fact]
    public async Task Bad_uploads_over_a_socket_each_get_a_clear_4xx_and_the_server_keeps_serving()
    {
        await using var app = FaceIndexServer.Build(_sample.Options(), ["http://127.0.0.1:0"]);
        await app.StartAsync();
        using var client = new HttpClient { BaseAddress = new Uri(app.Urls.First()) };
        foreach (var (name, data, status) in Uploads.Bad())
        {
            using var response = await Uploads.Query(client, data);
            var body = await response.Content.ReadAsStringAsync();
            Assert.True((int)response.StatusCode == status, $"{name}: {(int)response.StatusCode} {body}");
            Assert.DoesNotContain("   at ", body, StringComparison.Ordinal);
        }

        using var good = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2));
        Assert.Equal(HttpStatusCode.OK, good.StatusCode);
        Assert.Contains("\"obama\"", await good.Content.ReadAsStringAsync(), StringComparison.Ordinal);
        await app.StopAsync();
    }

    [Fact]
    public async Task Bound_beyond_loopback_it_answers_401_without_the_token()
    {
        var urls = new[] { "http://0.0.0.0:0" };
        Assert.False(AccessToken.IsLoopbackOnly(urls));
        Assert.True(AccessToken.IsLoopbackOnly(["http://127.0.0.1:5151", "http://localhost:5151", "http://[::1]:5151"]));
        var token = AccessToken.Generate();
        await using var app = FaceIndexServer.Build(_sample.Options() with { Token = token }, urls);
        await app.StartAsync();
        var port = new Uri(app.Urls.First()).Port;
        using var client = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{port}") };
        using (var anonymous = await client.GetAsync(new Uri("/api/info", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        }

        using (var query = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2)))
        {
            Assert.Equal(HttpStatusCode.Unauthorized, query.StatusCode);
        }

        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        using var ok = await Uploads.Query(client, File.ReadAllBytes(SampleLibrary.Obama2));
        Assert.Equal(HttpStatusCode.OK, ok.StatusCode);
        await app.StopAsync();
    }
}
