using System.Globalization;
using System.Runtime.InteropServices;
using System.Text.Json;
using FaceIndex.Catalog;
using FaceIndex.Export;
using FaceIndex.Search;

namespace FaceIndex.Removal;

/// <summary>Options of <see cref="RemovalEraser.Remove"/>.</summary>
/// <param name="EvaluationCache">The evaluation embedding cache folder to scrub and search (null: none).</param>
/// <param name="Verify">Search every file afterwards for the removed embeddings' bytes.</param>
/// <param name="Search">How the face index is rebuilt (null: the kind it was).</param>
public sealed record ErasureOptions(string? EvaluationCache = null, bool Verify = true, SearchIndexOptions? Search = null);

/// <summary>What a removal did beyond the catalog rows: the index rebuilt, the cache scrubbed, the check.</summary>
/// <param name="Removal">The logged removal request.</param>
/// <param name="IndexRebuilt">The face index was rebuilt without the removed faces (or deleted when no face is left).</param>
/// <param name="CacheEntriesDeleted">Evaluation cache entries deleted.</param>
/// <param name="Vacuumed">The catalog was rewritten (VACUUM) because its free space still held a removed embedding.</param>
/// <param name="Verification">The search for the removed embeddings' bytes, when asked for.</param>
public sealed record ErasureOutcome(RemovalInfo Removal, bool IndexRebuilt, int CacheEntriesDeleted, bool Vacuumed, RemovalVerification? Verification);

/// <summary>
/// Honours a removal request so that nothing of the removed faces remains anywhere FaceIndex writes: the catalog
/// rows are deleted with SQLite's secure delete (freed space zeroed) and the WAL truncated; the face index is rebuilt
/// (its old file is replaced, not patched); the evaluation cache loses its copies; and then every one of those files,
/// and every export noted in the library, is searched for the removed embeddings' bytes (float32 and float16).
/// Fingerprints (hashes) of the removed embeddings are kept so <see cref="Verify"/> can repeat the search later.
/// </summary>
public static class RemovalEraser
{
    /// <summary>The catalog meta key holding the fingerprints of removed embeddings (JSON array).</summary>
    public const string FingerprintsKey = "removal-fingerprints";

    /// <summary>Removes an identity's or an image's faces of <paramref name="dataset"/> and erases their traces.</summary>
    public static ErasureOutcome Remove(FaceCatalog catalog, string dataset, RemovalKind kind, string value, string? reason, ErasureOptions? options = null, Action<string>? log = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        options ??= new ErasureOptions();
        var covered = catalog.EmbeddingsCoveredBy(dataset, kind, value);
        catalog.EnableSecureDelete();
        var removal = kind == RemovalKind.Identity
            ? catalog.RemoveIdentity(dataset, value, reason)
            : catalog.RemoveImage(dataset, value, reason);

        // The WAL holds the pages as they were before the delete; a TRUNCATE checkpoint empties it.
        catalog.Checkpoint();
        var fingerprints = covered.SelectMany(c => TraceScanner.Fingerprints(removal.Id, c.FaceId, c.Embedding)).ToList();
        if (fingerprints.Count > 0)
        {
            var all = StoredFingerprints(catalog).Concat(fingerprints).ToList();
            catalog.SetMeta(FingerprintsKey, JsonSerializer.Serialize(all));
            catalog.Checkpoint();
        }

        var rebuilt = covered.Count > 0 && RebuildIndex(catalog, options.Search, log);
        var vectors = covered.Select(c => MemoryMarshal.Cast<byte, float>(c.Embedding).ToArray()).ToList();
        var cacheDeleted = EvaluationCacheScrubber.Scrub(options.EvaluationCache, vectors);
        RemovalVerification? verification = null;
        var vacuumed = false;
        if (options.Verify)
        {
            verification = Verify(catalog, options.EvaluationCache, cancellationToken);
            if (verification.Places.Any(p => p.Found > 0 && catalog.Files().Contains(p.Path)))
            {
                log?.Invoke("the catalog file still held removed bytes after the secure delete: rewriting it (VACUUM)");
                catalog.Vacuum();
                vacuumed = true;
                verification = Verify(catalog, options.EvaluationCache, cancellationToken);
            }
        }

        return new ErasureOutcome(removal, rebuilt, cacheDeleted, vacuumed, verification);
    }

    /// <summary>
    /// Searches the catalog files, the face index files, the evaluation cache and the exports noted in the library for
    /// the bytes of every face ever removed from it.
    /// </summary>
    public static RemovalVerification Verify(FaceCatalog catalog, string? evaluationCache, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var fingerprints = StoredFingerprints(catalog);
        var places = new List<(string Path, string What)>();
        places.AddRange(catalog.Files().Select(f => (f, "catalog (SQLite file, WAL, shared memory)")));
        foreach (var file in Directory.EnumerateFiles(catalog.Library, "*", SearchOption.AllDirectories))
        {
            // The writer lock files hold a process id, and the lock is held exclusively by this very process.
            if (!places.Any(p => p.Path == file) && !Path.GetFileName(file).StartsWith(".lock", StringComparison.Ordinal))
            {
                places.Add((file, Path.GetFileName(file).StartsWith("faces.", StringComparison.Ordinal) ? "face index" : "library folder"));
            }
        }

        if (evaluationCache is not null && Directory.Exists(evaluationCache))
        {
            places.AddRange(Directory.EnumerateFiles(evaluationCache, EvaluationCacheScrubber.FileName + "*").Select(f => (f, "evaluation embedding cache")));
        }

        var scanned = places
            .Select(p => new ScannedPlace(p.Path, p.What, new FileInfo(p.Path).Length, TraceScanner.Scan(p.Path, fingerprints, cancellationToken)))
            .ToList();

        // Exports are read back rather than byte-searched: CSV holds the floats as text and Parquet compresses them.
        foreach (var export in EmbeddingExporter.NotedFiles(catalog.Library).Where(f => !places.Any(p => p.Path == f)))
        {
            scanned.Add(new ScannedPlace(export, "export (noted in exports.log), read back", new FileInfo(export).Length, ExportTraces(export, fingerprints)));
        }

        var notes = new List<string>
        {
            "query results are not stored by FaceIndex (query prints them, or writes the --html/--json file you name, with thumbnails and distances but no embeddings)",
        };
        if (evaluationCache is null || !Directory.Exists(evaluationCache))
        {
            notes.Add("no evaluation embedding cache folder to search");
        }

        return new RemovalVerification(scanned, fingerprints.Count, fingerprints.Select(f => f.FaceId).Distinct().Count(), notes);
    }

    /// <summary>The fingerprints of every face removed from the library so far.</summary>
    public static IReadOnlyList<TraceFingerprint> StoredFingerprints(FaceCatalog catalog)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        var json = catalog.GetMeta(FingerprintsKey);
        return json is null ? [] : JsonSerializer.Deserialize<List<TraceFingerprint>>(json) ?? [];
    }

    /// <summary>Rows of an export that are removed faces: by embedding bytes, or for a labels file by face id (ids are never reused).</summary>
    private static int ExportTraces(string path, IReadOnlyList<TraceFingerprint> fingerprints)
    {
        var removedIds = fingerprints.Select(f => f.FaceId).ToHashSet();
        var hashes = fingerprints.Where(f => f.Form == "float32").Select(f => f.Sha256).ToHashSet(StringComparer.Ordinal);
        if (path.EndsWith(".labels.csv", StringComparison.Ordinal))
        {
            return File.ReadLines(path).Skip(1).Count(line => long.TryParse(line.AsSpan(0, Math.Max(0, line.IndexOf(',', StringComparison.Ordinal))), NumberStyles.Integer, CultureInfo.InvariantCulture, out var id) && removedIds.Contains(id));
        }

        var format = Path.GetExtension(path).ToLowerInvariant() switch
        {
            ".npy" => ExportFormat.Npy,
            ".parquet" => ExportFormat.Parquet,
            ".csv" => ExportFormat.Csv,
            _ => (ExportFormat?)null,
        };
        if (format is null)
        {
            return TraceScanner.Scan(path, fingerprints);
        }

        try
        {
            return EmbeddingExporter.Read(path, format.Value).Count(row =>
                removedIds.Contains(row.FaceId)
                || hashes.Contains(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(MemoryMarshal.AsBytes(row.Embedding.AsSpan())))));
        }
        catch (Exception ex) when (ex is FaceIndexException or IOException or FormatException)
        {
            // Not readable as an export any more (edited, truncated): fall back to the byte search.
            return TraceScanner.Scan(path, fingerprints);
        }
    }

    private static bool RebuildIndex(FaceCatalog catalog, SearchIndexOptions? search, Action<string>? log) =>

        // Every model's index: a removed face's vectors of other models sit in their own index files.
        FaceSearchIndex.RebuildAll(catalog, search, log) > 0;
}
