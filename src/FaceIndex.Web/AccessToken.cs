using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace FaceIndex.Web;

/// <summary>
/// The access token a server bound beyond loopback requires: as a bearer header, or as the HttpOnly SameSite=Strict
/// cookie that <c>/?token=...</c> sets once (then the address bar no longer carries it).
/// </summary>
public static class AccessToken
{
    public const string CookieName = "faceindex_token";

    /// <summary>A new random token (256 bits, base64url).</summary>
    public static string Generate() =>
        Convert.ToBase64String(RandomNumberGenerator.GetBytes(32)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>Whether every URL binds only loopback (127.0.0.1, [::1], localhost): then no token is needed.</summary>
    public static bool IsLoopbackOnly(IEnumerable<string> urls)
    {
        ArgumentNullException.ThrowIfNull(urls);
        foreach (var url in urls)
        {
            if (!Uri.TryCreate(url.Replace("://*", "://any-host", StringComparison.Ordinal).Replace("://+", "://any-host", StringComparison.Ordinal), UriKind.Absolute, out var uri))
            {
                return false;
            }

            var host = uri.Host.Trim('[', ']');
            if (!(host is "127.0.0.1" or "::1" || string.Equals(host, "localhost", StringComparison.OrdinalIgnoreCase)))
            {
                return false;
            }
        }

        return true;
    }

    internal static async Task Check(HttpContext context, string token, RequestDelegate next)
    {
        var request = context.Request;
        var header = request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase) && Matches(header["Bearer ".Length..].Trim(), token))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (request.Cookies.TryGetValue(CookieName, out var cookie) && Matches(cookie, token))
        {
            await next(context).ConfigureAwait(false);
            return;
        }

        if (HttpMethods.IsGet(request.Method) && request.Query.TryGetValue("token", out var given) && Matches(given.ToString(), token))
        {
            context.Response.Cookies.Append(CookieName, token, new CookieOptions
            {
                HttpOnly = true,
                SameSite = SameSiteMode.Strict,
                Secure = request.IsHttps,
                Path = "/",
                IsEssential = true,
            });
            context.Response.Redirect(request.PathBase + request.Path, permanent: false);
            return;
        }

        context.Response.StatusCode = StatusCodes.Status401Unauthorized;
        context.Response.Headers.WWWAuthenticate = "Bearer realm=\"faceindex\"";
        context.Response.ContentType = "text/plain; charset=utf-8";
        await context.Response.WriteAsync("401: this FaceIndex server needs its access token: send 'Authorization: Bearer TOKEN', or open /?token=TOKEN once in a browser (the token was printed when the server started).").ConfigureAwait(false);
    }

    private static bool Matches(string given, string token) =>
        CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(given), Encoding.UTF8.GetBytes(token));
}
