using System.Collections.Concurrent;
using FaceIndex.Detection;
using FaceIndex.Imaging;
using SixLabors.ImageSharp;
using SixLabors.ImageSharp.PixelFormats;
using SixLabors.ImageSharp.Processing;

namespace FaceIndex.Audit;

/// <summary>
/// Face crops as inline PNG data URIs for self-contained HTML reports (audit, cluster), read from the datasets'
/// folders; each image is decoded once however many of its faces are shown.
/// </summary>
public sealed class FaceThumbnails(Func<string, string?> datasetRoot, int size = 96)
{
    private readonly ImageDecoder _decoder = new();
    private readonly ConcurrentDictionary<string, RgbImage?> _images = new(StringComparer.Ordinal);

    /// <summary>The crop of <paramref name="box"/> (with a quarter margin) as a data URI, or null when the image cannot be read.</summary>
    public string? DataUri(string dataset, string relPath, FaceBox box)
    {
        var image = _images.GetOrAdd(dataset + "\n" + relPath, _ => Load(dataset, relPath));
        if (image is null)
        {
            return null;
        }

        var margin = (int)(Math.Max(box.Width, box.Height) * 0.25);
        var left = Math.Clamp(box.Left - margin, 0, image.Width - 1);
        var top = Math.Clamp(box.Top - margin, 0, image.Height - 1);
        var right = Math.Clamp(box.Right + margin, left, image.Width - 1);
        var bottom = Math.Clamp(box.Bottom + margin, top, image.Height - 1);
        using var full = Image.LoadPixelData<Rgb24>(image.Pixels, image.Width, image.Height);
        full.Mutate(x => x.Crop(new Rectangle(left, top, right - left + 1, bottom - top + 1)).Resize(size, size));
        using var stream = new MemoryStream();
        full.SaveAsJpeg(stream, new SixLabors.ImageSharp.Formats.Jpeg.JpegEncoder { Quality = 80 });
        return "data:image/jpeg;base64," + Convert.ToBase64String(stream.ToArray());
    }

    /// <summary>Forgets the decoded images (a long report would otherwise keep them all).</summary>
    public void Clear() => _images.Clear();

    private RgbImage? Load(string dataset, string relPath)
    {
        if (datasetRoot(dataset) is not { } root)
        {
            return null;
        }

        try
        {
            return _decoder.Decode(Path.Combine(root, relPath)).Image;
        }
        catch (Exception ex) when (ex is FaceIndexException or IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
