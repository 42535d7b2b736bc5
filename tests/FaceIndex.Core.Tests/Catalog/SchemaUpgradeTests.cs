using FaceIndex.Catalog;
using FaceIndex.Search;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Tests.Catalog;

/// <summary>A library written by an older FaceIndex still answers readers, which never hold the writer lock for long.</summary>
public sealed class SchemaUpgradeTests : IDisposable
{
    private readonly TempLibrary _temp = new();

    public void Dispose() => _temp.Dispose();

    [Fact]
    public void A_reader_upgrades_a_version_1_library_once_and_reads_it()
    {
        int current;
        using (var catalog = CatalogTestData.OpenWithDataset(_temp.Library, out var run))
        {
            current = catalog.SchemaVersion;
            catalog.CommitBatch(run, [CatalogTestData.Image("Ann/1.jpg", "Ann", 1, new Random(3))]);
        }

        MakeVersion1(Path.Combine(_temp.Library, FaceCatalog.FileName));
        var plain = Assert.Throws<CatalogUpgradeNeededException>(() => FaceCatalog.Open(_temp.Library, new CatalogOpenOptions(ReadOnly: true)));
        Assert.Contains("info --rebuild", plain.Message, StringComparison.Ordinal);

        using var reader = FaceLibrary.OpenCatalog(_temp.Library, readOnly: true);

        Assert.True(reader.IsReadOnly);
        Assert.Equal(current, reader.SchemaVersion);
        Assert.Equal(1, reader.FaceCount());
    }

    /// <summary>What a library of an earlier release looks like: schema version 1, no calibrations or face_embeddings table.</summary>
    private static void MakeVersion1(string dbPath)
    {
        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = dbPath, Pooling = false }.ToString());
        connection.Open();
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "DROP TABLE calibrations; DROP TABLE face_embeddings; DROP INDEX faces_model; DELETE FROM meta WHERE key = 'default-model'; PRAGMA user_version = 1;";
        cmd.ExecuteNonQuery();
    }
}
