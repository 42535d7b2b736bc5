using FaceIndex.Catalog;
using FaceIndex.Search;
using Microsoft.Extensions.Caching.Memory;

namespace FaceIndex.Web;

/// <summary>Pictures of indexed faces and images, found by id in the catalog (never by a path from the request), cached a while.</summary>
public sealed class ImageService(LibraryPool pool, IMemoryCache cache)
{
    private static readonly MemoryCacheEntryOptions Entry = new() { SlidingExpiration = TimeSpan.FromMinutes(10), Size = 1 };

    /// <summary>The crop (PNG) of indexed face <paramref name="faceId"/>, or null (removed, or its image is gone).</summary>
    public async Task<byte[]?> FaceCropAsync(long faceId, CancellationToken cancellationToken)
    {
        // Removal must win over the cache: the face is looked up every time, only the pixels are cached.
        using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var face = lease.Library.Catalog.GetFace(faceId);
        if (face is null)
        {
            return null;
        }

        var key = ("face", faceId);
        if (cache.TryGetValue(key, out byte[]? png))
        {
            return png;
        }

        var image = Load(lease.Library.Catalog, face.Dataset, face.RelPath, cancellationToken);
        png = image is null ? null : FaceCrop.Png(image, face.Box);
        if (png is not null)
        {
            cache.Set(key, png, Entry);
        }

        return png;
    }

    /// <summary>The whole image (JPEG, at most 1280 px) of indexed image <paramref name="imageId"/>, or null.</summary>
    public async Task<byte[]?> ImageAsync(long imageId, CancellationToken cancellationToken)
    {
        using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var stored = lease.Library.Catalog.GetImageById(imageId);
        if (stored is null || stored.Status is ImageStatus.Removed)
        {
            return null;
        }

        var image = Load(lease.Library.Catalog, stored.Dataset, stored.RelPath, cancellationToken);
        return image is null ? null : FaceCrop.Jpeg(image);
    }

    private Imaging.RgbImage? Load(FaceCatalog catalog, string dataset, string relPath, CancellationToken cancellationToken)
    {
        if (catalog.GetDataset(dataset) is not { } stored)
        {
            return null;
        }

        try
        {
            return pool.Engine.Decoder.Decode(Path.Combine(stored.RootPath, relPath), cancellationToken).Image;
        }
        catch (FaceIndexException)
        {
            return null;
        }
    }
}
