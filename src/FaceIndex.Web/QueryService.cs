using FaceIndex.Search;

namespace FaceIndex.Web;

/// <summary>One uploaded photo to a stored result: analyse (the decoder's limits apply), search, keep what the operator chose.</summary>
public sealed class QueryService(LibraryPool pool, ResultStore store, ServeOptions options)
{
    /// <summary>The stored result and the analysis (whose pixels the first page shows, kept or not).</summary>
    public async Task<(StoredResult Stored, PhotoAnalysis Analysis)> QueryAsync(ReadOnlyMemory<byte> photo, PhotoQueryOptions query, CancellationToken cancellationToken)
    {
        using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var analysis = lease.Library.Analyze(photo, "the uploaded photo", cancellationToken);
        cancellationToken.ThrowIfCancellationRequested();
        var result = lease.Library.Search(analysis, query) with { Photo = "uploaded photo" };
        var faces = result.Faces
            .Select(f => analysis.Faces[f.FaceIndex])
            .Select(f => (f.Index, FaceCrop.Png(analysis.Image, f.Box), f.Embedding!))
            .ToList();
        var jpeg = options.KeepPhotos ? FaceCrop.Jpeg(analysis.Image) : null;
        var id = store.Save(result, faces, jpeg, options.KeptDescription);
        return (new StoredResult(id, DateTimeOffset.UtcNow, result, jpeg is not null, options.KeptDescription), analysis);
    }

    /// <summary>A stored result with the hits whose faces were removed since dropped (removal requests apply to kept results too).</summary>
    public async Task<StoredResult?> GetAsync(string id, CancellationToken cancellationToken)
    {
        var stored = store.Get(id);
        if (stored is null)
        {
            return null;
        }

        using var lease = await pool.RentAsync(cancellationToken).ConfigureAwait(false);
        var ids = stored.Result.Faces.SelectMany(f => f.Hits).Select(h => h.FaceId).Distinct().ToList();
        var alive = new HashSet<long>(lease.Library.Catalog.FilterExisting(ids));
        var removed = 0;
        var faces = stored.Result.Faces.Select(f =>
        {
            var kept = f.Hits.Where(h => alive.Contains(h.FaceId)).Select((h, i) => h with { Rank = i + 1 }).ToList();
            removed += f.Hits.Count - kept.Count;
            return f with { Hits = kept };
        }).ToList();
        return stored with { Result = stored.Result with { Faces = faces }, RemovedSince = removed };
    }
}
