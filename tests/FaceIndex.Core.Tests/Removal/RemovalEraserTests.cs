using System.Runtime.InteropServices;
using FaceIndex.Catalog;
using FaceIndex.Export;
using FaceIndex.Removal;
using FaceIndex.Search;
using FaceIndex.Tests.Catalog;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Tests.Removal;

/// <summary>A removal leaves none of the removed embeddings' bytes in any file FaceIndex writes, and the check can tell.</summary>
public sealed class RemovalEraserTests
{
    [Theory]
    [InlineData(AnnKind.Annoy)]
    [InlineData(AnnKind.Hnsw)]
    public void After_a_removal_no_file_holds_the_removed_embeddings_and_the_check_sees_them_before(AnnKind kind)
    {
        using var tmp = new TempLibrary();
        using var catalog = CatalogTestData.OpenWithDataset(tmp.Library, out var run);
        CatalogTestData.Fill(catalog, run, 400);
        FaceSearchIndex.Build(catalog, CatalogTestData.Model, new SearchIndexOptions(Kind: kind, Threads: 1));
        var covered = catalog.EmbeddingsCoveredBy("lfw-mini", RemovalKind.Identity, "Person_000007");
        Assert.Equal(4, covered.Count);

        // The check must be able to see them: before the removal they are in the catalog and in the index file.
        var before = covered.SelectMany(c => TraceScanner.Fingerprints(0, c.FaceId, c.Embedding)).ToList();
        catalog.Checkpoint();
        Assert.Equal(4, TraceScanner.Scan(catalog.DatabasePath, before));
        Assert.True(TraceScanner.Scan(Path.Combine(tmp.Library, kind == AnnKind.Hnsw ? FaceSearchIndex.HnswFile : FaceSearchIndex.AnnFile), before) >= 4);

        // An evaluation cache holding a copy of one removed face (a hair off: re-detected) and of a kept one.
        var cache = tmp.Sub("cache");
        var kept = catalog.EmbeddingsCoveredBy("lfw-mini", RemovalKind.Identity, "Person_000008")[0].Embedding;
        var nearCopy = MemoryMarshal.Cast<byte, float>(covered[0].Embedding).ToArray();
        nearCopy[0] += 0.001f;
        WriteCache(cache, [("removed", nearCopy), ("kept", MemoryMarshal.Cast<byte, float>(kept).ToArray())]);

        var outcome = RemovalEraser.Remove(catalog, "lfw-mini", RemovalKind.Identity, "Person_000007", "asked", new ErasureOptions(EvaluationCache: cache));
        Assert.Equal(4, outcome.Removal.FacesRemoved);
        Assert.True(outcome.IndexRebuilt);
        Assert.Equal(1, outcome.CacheEntriesDeleted);
        var v = outcome.Verification!;
        Assert.True(v.Clean, string.Join("\n", v.Places.Select(p => $"{p.Path} {p.Found}")));
        Assert.Equal(4, v.RemovedFaces);
        Assert.Contains(v.Places, p => p.Path == catalog.DatabasePath);
        Assert.Contains(v.Places, p => p.What == "face index");
        Assert.Contains(v.Places, p => p.What == "evaluation embedding cache");
        Assert.Equal(0, TraceScanner.Scan(catalog.DatabasePath, before));
        Assert.Equal(1, CacheRows(cache));
        Assert.Equal(396, FaceSearchIndex.ReadMeta(tmp.Library)!.Items);
    }

    [Fact]
    public void A_plain_delete_leaves_the_bytes_in_the_catalog_file_which_is_why_removal_uses_secure_delete()
    {
        using var tmp = new TempLibrary();
        using var catalog = CatalogTestData.OpenWithDataset(tmp.Library, out var run);
        CatalogTestData.Fill(catalog, run, 400);
        var covered = catalog.EmbeddingsCoveredBy("lfw-mini", RemovalKind.Identity, "Person_000011");
        var fingerprints = covered.SelectMany(c => TraceScanner.Fingerprints(0, c.FaceId, c.Embedding)).ToList();
        using (var cmd = catalog.Connection.CreateCommand())
        {
            cmd.CommandText = """
                PRAGMA secure_delete = OFF;
                DELETE FROM faces WHERE image_id IN (SELECT id FROM images WHERE identity = 'Person_000011');
                """;
            cmd.ExecuteNonQuery();
        }

        catalog.Checkpoint();
        Assert.Empty(catalog.EmbeddingsCoveredBy("lfw-mini", RemovalKind.Identity, "Person_000011"));
        Assert.True(TraceScanner.Scan(catalog.DatabasePath, fingerprints) > 0, "SQLite keeps deleted cells' bytes unless secure_delete is on");
    }

    [Fact]
    public void An_export_made_before_a_removal_is_reported_and_one_made_after_is_clean()
    {
        using var tmp = new TempLibrary();
        using var catalog = CatalogTestData.OpenWithDataset(tmp.Library, out var run);
        CatalogTestData.Fill(catalog, run, 40);
        var early = Path.Combine(tmp.Sub("exports"), "early.parquet");
        EmbeddingExporter.Export(catalog, "lfw-mini", ExportFormat.Parquet, early);
        var outcome = RemovalEraser.Remove(catalog, "lfw-mini", RemovalKind.Identity, "Person_000002", null);
        var stale = Assert.Single(outcome.Verification!.Places, p => p.Path == early);
        Assert.Equal(4, stale.Found);
        Assert.False(outcome.Verification.Clean);

        File.Delete(early);
        var late = Path.Combine(tmp.Root, "exports", "late.csv");
        var export = EmbeddingExporter.Export(catalog, "lfw-mini", ExportFormat.Csv, late);
        Assert.Equal(36, export.Faces);
        var again = RemovalEraser.Verify(catalog, null);
        Assert.True(again.Clean);
        Assert.Contains(again.Places, p => p.Path == late);
    }

    private static void WriteCache(string folder, IEnumerable<(string Key, float[] Embedding)> rows)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(folder, EvaluationCacheScrubber.FileName)};Pooling=false");
        c.Open();
        using var create = c.CreateCommand();
        create.CommandText = """
            PRAGMA journal_mode=WAL;
            CREATE TABLE subject_embeddings (key TEXT PRIMARY KEY, source TEXT NOT NULL, faces INTEGER NOT NULL,
              l INTEGER, t INTEGER, r INTEGER, b INTEGER, embedding BLOB, error TEXT);
            """;
        create.ExecuteNonQuery();
        foreach (var (key, e) in rows)
        {
            using var insert = c.CreateCommand();
            insert.CommandText = "INSERT INTO subject_embeddings VALUES ($k, 'Detected', 1, 0, 0, 9, 9, $e, NULL)";
            insert.Parameters.AddWithValue("$k", key);
            insert.Parameters.AddWithValue("$e", MemoryMarshal.AsBytes(e.AsSpan()).ToArray());
            insert.ExecuteNonQuery();
        }
    }

    private static long CacheRows(string folder)
    {
        using var c = new SqliteConnection($"Data Source={Path.Combine(folder, EvaluationCacheScrubber.FileName)};Pooling=false");
        c.Open();
        using var cmd = c.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM subject_embeddings";
        return (long)cmd.ExecuteScalar()!;
    }
}
