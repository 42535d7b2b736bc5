using System.Net.Http.Headers;
using FaceIndex.Tests;

namespace FaceIndex.Web.Tests;

/// <summary>Query uploads as a browser or script sends them, and the bad ones a server must refuse.</summary>
internal static class Uploads
{
    public static async Task<HttpResponseMessage> Query(HttpClient client, byte[] photo, string fileName = "photo.jpg", int k = 3, string path = "/api/query")
    {
        using var form = new MultipartFormDataContent();
        var part = new ByteArrayContent(photo);
        part.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        form.Add(part, "photo", fileName);
        form.Add(new StringContent(k.ToString(System.Globalization.CultureInfo.InvariantCulture)), "k");
        return await client.PostAsync(new Uri(path, UriKind.Relative), form);
    }

    /// <summary>The bad uploads of the issue, each with the status it must get.</summary>
    public static IEnumerable<(string Name, byte[] Data, int Status)> Bad()
    {
        yield return ("empty", [], 400);
        yield return ("truncated JPEG", File.ReadAllBytes(TestPaths.DataFile("bad", "truncated.jpg")), 422);
        yield return ("30000x30000 PNG header", File.ReadAllBytes(TestPaths.DataFile("bad", "huge_30000x30000.png")), 413);
        yield return ("a PDF", "%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n"u8.ToArray(), 415);
        var big = new byte[50 * 1024 * 1024];
        new Random(7).NextBytes(big);
        big[0] = 0xFF;
        big[1] = 0xD8;
        big[2] = 0xFF;
        yield return ("50 MB", big, 413);
    }
}
