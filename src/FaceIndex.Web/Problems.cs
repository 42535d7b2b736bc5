using System.Text.Json;
using FaceIndex.Imaging;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace FaceIndex.Web;

/// <summary>Refusals as problem JSON (the API) or a page (the site); no stack trace or exception text beyond our own messages.</summary>
internal static class Problems
{
    public static async Task Guard(HttpContext context, RequestDelegate next, ServeOptions options)
    {
        try
        {
            await next(context).ConfigureAwait(false);
        }
        catch (RequestProblemException p)
        {
            await Write(context, p.Status, p.Reason, p.Message, options).ConfigureAwait(false);
        }
        catch (ImageDecodeException ex)
        {
            var p = RequestProblemException.From(ex);
            await Write(context, p.Status, p.Reason, p.Message, options).ConfigureAwait(false);
        }
        catch (FaceIndexException ex)
        {
            await Write(context, StatusCodes.Status422UnprocessableEntity, ex.Message.StartsWith("no face", StringComparison.Ordinal) ? "NoFace" : "Refused", ex.Message, options).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex)
        {
            await Write(context, ex.StatusCode, "BadRequest", "the request could not be read (malformed, too large, or too slow)", options).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            // The client left, or the request timeout fired (the timeout middleware sets 504 when it can).
            if (!context.Response.HasStarted)
            {
                await Write(context, StatusCodes.Status504GatewayTimeout, "Timeout", $"the request took longer than {options.RequestTimeout.TotalSeconds:F0} s and was stopped", options).ConfigureAwait(false);
            }
        }
#pragma warning disable CA1031 // The last line of defence: whatever failed, the client gets a plain 500 and the log gets the exception.
        catch (Exception ex)
#pragma warning restore CA1031
        {
            context.RequestServices.GetService<ILoggerFactory>()?.CreateLogger("FaceIndex.Web").LogError(ex, "request {Path} failed", context.Request.Path);
            await Write(context, StatusCodes.Status500InternalServerError, "Internal", "the server failed on this request; the details are in its log", options).ConfigureAwait(false);
        }
    }

    /// <summary>The headers of every response: a strict CSP (no inline script or style, nothing from elsewhere), no sniffing, no framing.</summary>
    public static void ApplyHeaders(HttpResponse response)
    {
        var headers = response.Headers;
        headers.ContentSecurityPolicy = "default-src 'none'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";
        headers.XContentTypeOptions = "nosniff";
        headers.XFrameOptions = "DENY";
        headers["Referrer-Policy"] = "no-referrer";
        headers["Cross-Origin-Resource-Policy"] = "same-origin";
        headers.CacheControl = "no-store";
    }

    public static async Task Write(HttpContext context, int status, string reason, string message, ServeOptions options, string? retryAfter = null)
    {
        if (context.Response.HasStarted)
        {
            return;
        }

        context.Response.Clear();
        ApplyHeaders(context.Response);
        if (retryAfter is not null)
        {
            context.Response.Headers.RetryAfter = retryAfter;
        }

        context.Response.StatusCode = status;
        if (context.Request.Path.StartsWithSegments("/api", StringComparison.Ordinal) || context.Request.Path.StartsWithSegments("/openapi", StringComparison.Ordinal))
        {
            context.Response.ContentType = "application/problem+json";
            await context.Response.WriteAsync(JsonSerializer.Serialize(new { status, title = reason, detail = message, reason }, WebJson.Options)).ConfigureAwait(false);
        }
        else
        {
            context.Response.ContentType = "text/html; charset=utf-8";
            await context.Response.WriteAsync(Pages.Error(status, message, options)).ConfigureAwait(false);
        }
    }
}
