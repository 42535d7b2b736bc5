using System.Numerics.Tensors;
using FaceIndex.Annoy;
using FaceIndex.Catalog;
using FaceIndex.Search.Hnsw;

namespace FaceIndex.Search;

/// <summary>
/// The reader's side of the face index: readers never rebuild and never wait. A stale index is searched as it is plus
/// the exact delta of faces added since its build; a new build that a writer renames into place is picked up by
/// <see cref="Refresh"/>.
/// </summary>
public sealed partial class FaceSearchIndex
{
    /// <summary>How often a reader tries again when it catches a writer between its renames (meta is deleted first and written last).</summary>
    private const int ReaderAttempts = 4;

    /// <summary>
    /// This index caught up with the catalog: faces a writer committed since are added to the exact delta (removed ones
    /// are filtered at search time anyway), and when a writer has renamed a new build into place, a newly opened index
    /// over it is returned instead (the caller disposes this one then). Costs a stat and one PRAGMA when nothing changed.
    /// </summary>
    public FaceSearchIndex Refresh(Action<string>? log = null)
    {
        var stamp = MetaStamp(Folder);
        if (stamp != _metaStamp)
        {
            _metaStamp = stamp;
            var meta = ReadMeta(Folder);
            if (meta is not null && meta.BuiltAt != Meta?.BuiltAt && Validate(Folder, ModelId, out _) is null)
            {
                FaceSearchIndex? fresh = null;
                try
                {
                    fresh = Open(_catalog, ModelId, null, log);
                }
                catch (FaceIndexException ex)
                {
                    log?.Invoke($"a new face index appeared but could not be opened yet ({ex.Message}); searching the current one plus the faces added since");
                }

                if (fresh?.Meta is not null)
                {
                    log?.Invoke($"picked up the new face index built {fresh.Meta.BuiltAt:yyyy-MM-dd HH:mm:ss} UTC ({fresh.Meta.Items:N0} faces, {fresh.DeltaCount:N0} since)");
                    return fresh;
                }

                fresh?.Dispose();
            }
        }

        var version = _catalog.DataVersion();
        if (version != _dataVersion)
        {
            _dataVersion = version;
            CatchUp();
        }

        return this;
    }

    /// <summary>Opens the index for a read-only catalog: never rebuilds; a missing or damaged index means exact search this time.</summary>
    private static FaceSearchIndex OpenReader(FaceCatalog catalog, string modelId, Action<string>? log)
    {
        var library = FolderFor(catalog, modelId);
        string? problem = null;
        for (var attempt = 0; attempt < ReaderAttempts; attempt++)
        {
            if (attempt > 0)
            {
                Thread.Sleep(50 * attempt);
            }

            var version = catalog.DataVersion();
            var stamp = MetaStamp(library);
            problem = Validate(library, modelId, out var meta);
            if (problem is not null)
            {
                continue;
            }

            IAnnPart ann;
            try
            {
                ann = OpenPart(library, meta!);
            }
            catch (Exception ex) when (ex is AnnoyException or IOException or HnswException)
            {
                problem = $"file could not be loaded ({ex.Message})";
                continue;
            }

            // The writer deletes the description before its renames and writes it after them: the same description
            // before and after the files were opened means the files belong to it.
            if (MetaStamp(library) != stamp || ReadMeta(library)?.BuiltAt != meta!.BuiltAt)
            {
                ann.Dispose();
                problem = "was being replaced by a writer";
                continue;
            }

            var index = LoadDelta(catalog, modelId, meta, ann, meta.MaxFaceId);
            index._metaStamp = stamp;
            index._dataVersion = version;
            return index;
        }

        if (catalog.HasEmbeddings(modelId))
        {
            log?.Invoke($"the face index {problem}; this reader does not rebuild it (run 'faceindex info --rebuild' or 'faceindex index'), so faces are searched exactly meanwhile");
        }

        var startVersion = catalog.DataVersion();
        var stampNow = MetaStamp(library);
        var exact = LoadDelta(catalog, modelId, null, null, afterFaceId: 0);
        exact._metaStamp = stampNow == default ? (-1, -1) : stampNow;
        exact._dataVersion = startVersion;
        return exact;
    }

    /// <summary>Adds the faces committed since this index last looked to the exact delta.</summary>
    private void CatchUp()
    {
        var ids = new List<long>();
        var vectors = new List<float>();
        _catalog.VisitEmbeddings(ModelId, _coveredUpTo, (faceId, embedding) =>
        {
            ids.Add(faceId);
            foreach (var value in embedding)
            {
                vectors.Add(value);
            }
        });
        if (ids.Count == 0)
        {
            return;
        }

        _deltaIds = [.. _deltaIds, .. ids];
        _deltaVectors = [.. _deltaVectors, .. vectors];
        _coveredUpTo = ids[^1];
    }

    /// <summary>
    /// The delta's nearest faces, exactly; only the best of them are checked against the catalog for removals
    /// (a delta of thousands would otherwise cost a large IN list per query), more when removals thin them out.
    /// </summary>
    private void AddDeltaHits(ReadOnlySpan<float> query, int k, List<SearchHit> hits)
    {
        var dim = _deltaVectors.Length / _deltaIds.Length;
        var all = new SearchHit[_deltaIds.Length];
        for (var i = 0; i < _deltaIds.Length; i++)
        {
            all[i] = new SearchHit(_deltaIds[i], TensorPrimitives.Distance(query, _deltaVectors.AsSpan(i * dim, dim)));
        }

        Array.Sort(all, static (a, b) => a.Distance != b.Distance ? a.Distance.CompareTo(b.Distance) : a.FaceId.CompareTo(b.FaceId));
        var taken = 0;
        var kept = 0;
        var want = Math.Max(k * 2, 16);
        while (taken < all.Length && kept < k)
        {
            var n = Math.Min(want, all.Length - taken);
            var slice = all.AsSpan(taken, n).ToArray();
            var alive = new HashSet<long>(_catalog.FilterExisting([.. slice.Select(h => h.FaceId)]));
            foreach (var hit in slice)
            {
                if (alive.Contains(hit.FaceId))
                {
                    hits.Add(hit);
                    kept++;
                }
            }

            taken += n;
            want *= 4;
        }
    }

    private static (long Ticks, long Length) MetaStamp(string library)
    {
        var file = new FileInfo(Path.Combine(library, MetaFile));
        return file.Exists ? (file.LastWriteTimeUtc.Ticks, file.Length) : default;
    }
}
