using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace FaceIndex.Web.Tests;

/// <summary>The server in-process (WebApplicationFactory over a TestServer), wired exactly as 'faceindex serve' wires it.</summary>
public sealed class ServerFactory : WebApplicationFactory<ServerFactory>
{
    private readonly ServeOptions _options;

    public ServerFactory(ServeOptions options)
    {
        _options = options;

        // The factory looks for a content root beside the sources; the server needs none, so the test folder does.
        Environment.SetEnvironmentVariable("ASPNETCORE_TEST_CONTENTROOT_FACEINDEX_WEB_TESTS", AppContext.BaseDirectory);
    }

    protected override IHostBuilder CreateHostBuilder() =>
        Host.CreateDefaultBuilder()
            .UseEnvironment("Production")
            .ConfigureWebHost(web => web
                .ConfigureServices(services => services.AddFaceIndex(_options))
                .Configure(app =>
                {
                    app.UseFaceIndex(_options);
                    app.UseEndpoints(endpoints => endpoints.MapFaceIndex(_options));
                }));
}
