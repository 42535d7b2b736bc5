using System.Globalization;
using System.Threading.RateLimiting;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Timeouts;
using Microsoft.AspNetCore.RateLimiting;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FaceIndex.Web;

/// <summary>
/// <c>faceindex serve</c>: the search page and HTTP API over one library, as ASP.NET Core minimal APIs. The library is
/// only read (no writer lock); models load once; analyses are bounded (at most N at once, a bounded queue, 503 beyond).
/// </summary>
public static class FaceIndexServer
{
    /// <summary>The rate-limiter policy of the endpoints that analyse a photo.</summary>
    public const string AnalysisPolicy = "analysis";

    /// <summary>Builds the server for <paramref name="urls"/> (Kestrel, production settings, no server header).</summary>
    public static WebApplication Build(ServeOptions options, IReadOnlyList<string> urls, Action<ILoggingBuilder>? logging = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(urls);
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { EnvironmentName = "Production", ContentRootPath = AppContext.BaseDirectory });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole(c => c.SingleLine = true).SetMinimumLevel(LogLevel.Warning);
        logging?.Invoke(builder.Logging);
        builder.WebHost.UseUrls([.. urls]);
        builder.WebHost.ConfigureKestrel(k =>
        {
            k.AddServerHeader = false;
            k.Limits.MaxRequestBodySize = options.MaxUploadBytes + (1 << 16);
            k.Limits.RequestHeadersTimeout = TimeSpan.FromSeconds(15);
        });
        builder.Services.AddFaceIndex(options);
        var app = builder.Build();
        app.UseFaceIndex(options);
        app.MapFaceIndex(options);
        return app;
    }

    /// <summary>The server's services: the library pool (models once), the result store, limits, OpenAPI.</summary>
    public static IServiceCollection AddFaceIndex(this IServiceCollection services, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        services.AddSingleton(options);
        services.AddSingleton(_ => new LibraryPool(options.Library, options.Query, options.EffectiveMaxAnalyses + (2 * Environment.ProcessorCount) + 4));
        services.AddSingleton(_ => new ResultStore(options.EffectiveResultsDir));
        services.AddSingleton<QueryService>();
        services.AddSingleton<ImageService>();
        services.AddMemoryCache(m => m.SizeLimit = 4096);
        services.AddRouting();
        services.Configure<FormOptions>(f =>
        {
            f.MultipartBodyLengthLimit = options.MaxUploadBytes + (1 << 16);
            f.ValueCountLimit = 64;
        });
        services.ConfigureHttpJsonOptions(j =>
        {
            j.SerializerOptions.DefaultIgnoreCondition = WebJson.Options.DefaultIgnoreCondition;
            foreach (var converter in WebJson.Options.Converters)
            {
                j.SerializerOptions.Converters.Add(converter);
            }
        });
        services.AddRateLimiter(r =>
        {
            r.RejectionStatusCode = StatusCodes.Status503ServiceUnavailable;
            r.AddConcurrencyLimiter(AnalysisPolicy, c =>
            {
                c.PermitLimit = options.EffectiveMaxAnalyses;
                c.QueueLimit = options.EffectiveQueueLimit;
                c.QueueProcessingOrder = QueueProcessingOrder.OldestFirst;
            });
            r.OnRejected = async (context, token) =>
            {
                await Problems.Write(context.HttpContext, StatusCodes.Status503ServiceUnavailable, "Busy",
                    string.Create(CultureInfo.InvariantCulture, $"the server is busy ({options.EffectiveMaxAnalyses} analyses running, {options.EffectiveQueueLimit} waiting): try again in a second"), options, retryAfter: "1").ConfigureAwait(false);
            };
        });
        services.AddRequestTimeouts(t => t.DefaultPolicy = new RequestTimeoutPolicy { Timeout = options.RequestTimeout, TimeoutStatusCode = StatusCodes.Status504GatewayTimeout });
        services.AddOpenApi();
        return services;
    }

    /// <summary>The middleware: errors without stack traces, security headers, the access token, same-site posts, routing, timeouts, limits.</summary>
    public static IApplicationBuilder UseFaceIndex(this IApplicationBuilder app, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(app);
        ArgumentNullException.ThrowIfNull(options);

        // The models, the library and the results store open now: a bad library fails the start, not the first request.
        _ = app.ApplicationServices.GetRequiredService<LibraryPool>();
        _ = app.ApplicationServices.GetRequiredService<ResultStore>();
        app.Use((context, next) => Problems.Guard(context, next, options));
        app.Use((context, next) =>
        {
            Problems.ApplyHeaders(context.Response);
            return next(context);
        });
        if (options.Token is { } token)
        {
            app.Use((context, next) => AccessToken.Check(context, token, ctx => next(ctx)));
        }

        app.Use((context, next) =>
        {
            // A browser says where a request comes from: a post from another site (a forged form) is refused.
            if (HttpMethods.IsPost(context.Request.Method) && context.Request.Headers["Sec-Fetch-Site"] == "cross-site")
            {
                return Problems.Write(context, StatusCodes.Status403Forbidden, "CrossSite", "posts from other sites are refused", options);
            }

            return next(context);
        });
        app.UseRouting();
        app.UseRequestTimeouts();
        app.UseRateLimiter();
        return app;
    }

    /// <summary>Every endpoint: pages, images by id, the API and its OpenAPI document.</summary>
    public static IEndpointRouteBuilder MapFaceIndex(this IEndpointRouteBuilder endpoints, ServeOptions options)
    {
        ArgumentNullException.ThrowIfNull(endpoints);
        ArgumentNullException.ThrowIfNull(options);
        endpoints.MapOpenApi();
        ApiEndpoints.Map(endpoints);
        PageEndpoints.Map(endpoints, options);
        return endpoints;
    }
}
