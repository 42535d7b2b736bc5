using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

/// <summary>
/// The catalog's schema, versioned by PRAGMA user_version. Migrations only go forward: migration i turns
/// version i into i + 1, each in the transaction that also sets the new version, so a kill mid-migration
/// leaves the old version intact.
/// </summary>
internal static class CatalogSchema
{
    /// <summary>Row ids of faces come from AUTOINCREMENT so an id is never reused after a removal: a stale
    /// index can then never point at a different face. Embeddings and landmarks are BLOBs (see FaceBlobs);
    /// the model is a small key into models. Times are Unix milliseconds (UTC).</summary>
    private const string V1 = """
        CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL) WITHOUT ROWID;
        CREATE TABLE datasets (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          root_path TEXT NOT NULL,
          licence TEXT NOT NULL,
          source_url TEXT,
          citation TEXT,
          consent_basis TEXT,
          layout TEXT NOT NULL CHECK (layout IN ('identity-folders', 'flat', 'csv')),
          created_at INTEGER NOT NULL,
          notes TEXT);
        CREATE TABLE runs (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id),
          started_at INTEGER NOT NULL,
          ended_at INTEGER,
          status TEXT NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
          settings TEXT,
          versions TEXT,
          counts TEXT,
          timings TEXT);
        CREATE TABLE images (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id),
          rel_path TEXT NOT NULL,
          sha256 BLOB,
          size_bytes INTEGER NOT NULL,
          width INTEGER NOT NULL,
          height INTEGER NOT NULL,
          identity TEXT,
          status TEXT NOT NULL CHECK (status IN ('ok', 'no_face', 'failed', 'removed')),
          error_reason TEXT,
          error TEXT,
          run_id INTEGER REFERENCES runs(id),
          indexed_at INTEGER NOT NULL,
          UNIQUE (dataset_id, rel_path));
        CREATE TABLE models (
          id INTEGER PRIMARY KEY,
          name TEXT NOT NULL UNIQUE,
          dimension INTEGER NOT NULL);
        CREATE TABLE faces (
          id INTEGER PRIMARY KEY AUTOINCREMENT,
          image_id INTEGER NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          face_index INTEGER NOT NULL,
          box_l INTEGER NOT NULL,
          box_t INTEGER NOT NULL,
          box_r INTEGER NOT NULL,
          box_b INTEGER NOT NULL,
          score REAL NOT NULL,
          landmarks BLOB,
          model_id INTEGER REFERENCES models(id),
          embedding BLOB,
          is_subject INTEGER NOT NULL);
        CREATE INDEX faces_image ON faces(image_id);
        CREATE TABLE removals (
          id INTEGER PRIMARY KEY,
          dataset_id INTEGER NOT NULL REFERENCES datasets(id),
          kind TEXT NOT NULL CHECK (kind IN ('identity', 'image')),
          value TEXT NOT NULL,
          sha256 BLOB,
          reason TEXT,
          requested_at INTEGER NOT NULL,
          faces_removed INTEGER NOT NULL,
          images_removed INTEGER NOT NULL);
        CREATE INDEX removals_value ON removals(dataset_id, kind, value);
        CREATE INDEX removals_sha ON removals(sha256) WHERE sha256 IS NOT NULL;
        """;

    /// <summary>Fitted same-person thresholds (faceindex calibrate): every calibration is kept; the latest of a scope (model, or
    /// model and dataset) is the one in force. details holds the whole result as JSON.</summary>
    private const string V2 = """
        CREATE TABLE calibrations (
          id INTEGER PRIMARY KEY,
          model TEXT NOT NULL,
          dataset TEXT,
          threshold REAL NOT NULL,
          chosen TEXT NOT NULL,
          source TEXT NOT NULL,
          created_at INTEGER NOT NULL,
          details TEXT NOT NULL);
        CREATE INDEX calibrations_scope ON calibrations(model, dataset, id);
        """;

    /// <summary>
    /// Embeddings of further models for faces already stored (indexing a dataset again with another model embeds from the stored
    /// landmarks): faces.model_id/embedding stays the model a face was first embedded with, so every reader of it keeps working;
    /// one row here per (face, other model), deleted with its face. The library's default model (the one it was first indexed
    /// with, whose face index keeps the library folder's faces.* files) is recorded in meta. faces_model makes a model's face
    /// count (asked before every index build and query) an index range instead of a scan of every face row.
    /// </summary>
    private const string V3 = """
        CREATE TABLE face_embeddings (
          face_id INTEGER NOT NULL REFERENCES faces(id) ON DELETE CASCADE,
          model_id INTEGER NOT NULL REFERENCES models(id),
          embedding BLOB NOT NULL,
          PRIMARY KEY (face_id, model_id));
        CREATE INDEX face_embeddings_model ON face_embeddings(model_id, face_id);
        CREATE INDEX faces_model ON faces(model_id, id);
        INSERT INTO meta (key, value)
          SELECT 'default-model', m.name FROM faces f JOIN models m ON m.id = f.model_id WHERE f.embedding IS NOT NULL ORDER BY f.id LIMIT 1;
        """;

    private static readonly string[] Migrations = [V1, V2, V3];

    /// <summary>The version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    public static int ReadVersion(SqliteConnection connection)
    {
        using var cmd = connection.CreateCommand();
        cmd.CommandText = "PRAGMA user_version";
        return Convert.ToInt32(cmd.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
    }

    /// <summary>Brings the schema up to <see cref="CurrentVersion"/>; returns the version found.</summary>
    public static int Migrate(SqliteConnection connection, string dbPath)
    {
        var found = ReadVersion(connection);
        if (found > CurrentVersion)
        {
            throw new CatalogException(
                $"the catalog {dbPath} has schema version {found}, newer than this FaceIndex understands ({CurrentVersion}): " +
                "use a newer FaceIndex to open it (it is left untouched).");
        }

        for (var v = found; v < CurrentVersion; v++)
        {
            using var tx = connection.BeginTransaction();
            using (var cmd = connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = Migrations[v] + $"\nPRAGMA user_version = {v + 1};";
                cmd.ExecuteNonQuery();
            }

            tx.Commit();
        }

        return found;
    }
}
