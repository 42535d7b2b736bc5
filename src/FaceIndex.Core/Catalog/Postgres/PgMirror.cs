using System.Globalization;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// An index folder's local copy of a PostgreSQL library: a SQLite catalog holding the library's faces under their
/// PostgreSQL ids, so the face index (built by <c>index build</c>) and the exact search over faces added since use the
/// SQLite library's code unchanged, and a query re-measures its candidates from local disk. Each sync copies the faces
/// added since the last one and deletes the faces removed since (from the library's log of deleted face ids).
/// </summary>
public static class PgMirror
{
    /// <summary>Face ids are taken from a sequence when a row is inserted, but transactions commit in any order: a
    /// worker's batch may become visible after a later-numbered one was copied. Each sync re-reads this many ids below
    /// its mark (copies are idempotent), far more than the batches in flight at once.</summary>
    public const long Overlap = 100_000;

    private const string LibraryKey = "pg.library";
    private const string FaceMarkKey = "pg.face_mark";
    private const string TombstoneMarkKey = "pg.tombstone_mark";

    /// <summary>What a sync did.</summary>
    public sealed record SyncSummary(int FacesCopied, int FacesDeleted, long MaxFaceId);

    /// <summary>Brings <paramref name="mirror"/> up to date with <paramref name="library"/>.</summary>
    public static SyncSummary Sync(PgCatalog library, FaceCatalog mirror, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(library);
        ArgumentNullException.ThrowIfNull(mirror);
        var known = mirror.GetMeta(LibraryKey);
        if (known is not null && !string.Equals(known, library.Library.Display, StringComparison.Ordinal))
        {
            throw new FaceIndexException($"the index folder {mirror.Library} belongs to {known}, not {library.Library.Display}: give another --out/--index folder");
        }

        if (known is null && mirror.FaceCount() > 0)
        {
            throw new FaceIndexException($"the folder {mirror.Library} holds a SQLite library of its own: give an empty or new folder for the PostgreSQL library's index");
        }

        var tombUpTo = library.MaxTombstone();
        var upTo = library.MaxFaceId();
        var mark = long.Parse(mirror.GetMeta(FaceMarkKey) ?? "0", CultureInfo.InvariantCulture);
        var tombMark = long.Parse(mirror.GetMeta(TombstoneMarkKey) ?? "0", CultureInfo.InvariantCulture);
        var marks = new Dictionary<string, string>(StringComparer.Ordinal) { [LibraryKey] = library.Library.Display };
        mirror.ApplyMirror(library.DatasetRows(), [], [], [], marks);
        var from = Math.Max(0, mark - Overlap);
        var copied = 0;
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var (faces, images) = library.FacesAfter(from, upTo, 20_000);
            if (faces.Count == 0)
            {
                break;
            }

            from = faces[^1].Id;
            marks[FaceMarkKey] = Math.Max(mark, from).ToString(CultureInfo.InvariantCulture);
            mirror.ApplyMirror([], images, faces, [], marks);
            copied += faces.Count;
        }

        var tombstones = library.TombstonesAfter(tombMark, tombUpTo);
        marks[FaceMarkKey] = Math.Max(mark, upTo).ToString(CultureInfo.InvariantCulture);
        marks[TombstoneMarkKey] = tombUpTo.ToString(CultureInfo.InvariantCulture);
        mirror.ApplyMirror([], [], [], tombstones, marks);

        // Calibrations are few and never change: copy them all, so a query through the folder decides with them.
        mirror.ApplyCalibrations(library.AllCalibrations());
        var deleted = tombstones.Count;
        return new SyncSummary(copied, deleted, upTo);
    }

    /// <summary>The one model that embedded the copied faces (the index refuses to mix models).</summary>
    public static string ModelOf(FaceCatalog mirror)
    {
        ArgumentNullException.ThrowIfNull(mirror);
        var models = mirror.ModelNames();
        return models.Count switch
        {
            0 => throw new FaceIndexException($"the PostgreSQL library has no embedded faces yet: index a dataset into it first"),
            1 => models[0],
            _ => throw new FaceIndexException($"the library holds faces of {models.Count} models ({string.Join(", ", models)}); one index holds one model"),
        };
    }
}
