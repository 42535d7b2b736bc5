using System.Globalization;
using FaceIndex.Search;
using Microsoft.AspNetCore.Http;

namespace FaceIndex.Web;

/// <summary>Reads a multipart query upload (photo, k, dataset, face) under the size cap.</summary>
internal static class Uploads
{
    public const int MaxK = 100;

    public static async Task<(byte[] Photo, PhotoQueryOptions Query)> ReadAsync(HttpRequest request, ServeOptions options, CancellationToken cancellationToken)
    {
        if (request.ContentLength is { } length && length > options.MaxUploadBytes + (1 << 16))
        {
            await DrainAsync(request, length, cancellationToken).ConfigureAwait(false);
            throw TooLarge(options, length);
        }

        if (!request.HasFormContentType)
        {
            throw new RequestProblemException(StatusCodes.Status415UnsupportedMediaType, "NotMultipart", "send the photo as multipart/form-data with a part named 'photo'");
        }

        IFormCollection form;
        try
        {
            form = await request.ReadFormAsync(cancellationToken).ConfigureAwait(false);
        }
        catch (BadHttpRequestException ex) when (ex.StatusCode == StatusCodes.Status413PayloadTooLarge)
        {
            throw TooLarge(options, request.ContentLength ?? 0, ex);
        }
        catch (InvalidDataException ex)
        {
            // The form reader's limits (multipart body length) and malformed multipart both land here.
            throw ex.Message.Contains("limit", StringComparison.OrdinalIgnoreCase)
                ? TooLarge(options, request.ContentLength ?? 0, ex)
                : new RequestProblemException(StatusCodes.Status400BadRequest, "BadMultipart", $"the upload is not valid multipart/form-data ({ex.Message})", ex);
        }
        catch (IOException ex)
        {
            throw new RequestProblemException(StatusCodes.Status400BadRequest, "Incomplete", $"the upload stopped before it was complete ({ex.Message})", ex);
        }

        var file = form.Files.GetFile("photo") ?? (form.Files.Count > 0 ? form.Files[0] : null)
            ?? throw new RequestProblemException(StatusCodes.Status400BadRequest, "NoPhoto", "no photo in the upload: send it as the multipart part 'photo'");
        if (file.Length > options.MaxUploadBytes)
        {
            throw TooLarge(options, file.Length);
        }

        var data = new byte[file.Length];
        await using (var stream = file.OpenReadStream())
        {
            await stream.ReadExactlyAsync(data, cancellationToken).ConfigureAwait(false);
        }

        var k = Int(form, "k") ?? 10;
        if (k is < 1 or > MaxK)
        {
            throw new RequestProblemException(StatusCodes.Status400BadRequest, "BadParameter", $"k {k}: give 1 to {MaxK} results per face");
        }

        var dataset = form["dataset"].ToString();
        return (data, new PhotoQueryOptions(k, Pipeline.SubjectPolicy.All, Int(form, "face"), string.IsNullOrWhiteSpace(dataset) ? null : dataset));
    }

    /// <summary>
    /// A client that sent no 'Expect: 100-continue' is already sending the body; closing on it would reset the connection
    /// before it reads the 413 (a browser shows "connection reset"). So up to <see cref="DrainLimit"/> the body is read and
    /// thrown away (nothing is kept) before the refusal; beyond that the connection is closed. With 100-continue the
    /// client waits, gets the 413 and never sends the body.
    /// </summary>
    private static async Task DrainAsync(HttpRequest request, long length, CancellationToken cancellationToken)
    {
        if (length > DrainLimit || request.Headers.Expect.ToString().Contains("100-continue", StringComparison.OrdinalIgnoreCase))
        {
            return;
        }

        if (request.HttpContext.Features.Get<Microsoft.AspNetCore.Http.Features.IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } size)
        {
            size.MaxRequestBodySize = length;
        }

        try
        {
            await request.Body.CopyToAsync(Stream.Null, cancellationToken).ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is IOException or BadHttpRequestException)
        {
            // The client gave up; the refusal is written if the connection still stands.
        }
    }

    /// <summary>The largest over-limit body read away so the client can see its 413.</summary>
    private const long DrainLimit = 256L * 1024 * 1024;

    private static int? Int(IFormCollection form, string name)
    {
        var text = form[name].ToString();
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new RequestProblemException(StatusCodes.Status400BadRequest, "BadParameter", $"{name} '{text}' is not a whole number");
    }

    private static RequestProblemException TooLarge(ServeOptions options, long length, Exception? inner = null) =>
        new(StatusCodes.Status413PayloadTooLarge, "TooLarge",
            string.Create(CultureInfo.InvariantCulture, $"the upload ({(length > 0 ? $"{length / 1048576.0:F1} MiB" : "its size")}) is over the {options.MaxUploadBytes / 1048576.0:F0} MiB limit: send a smaller photo (a face needs far fewer pixels)"), inner);
}
