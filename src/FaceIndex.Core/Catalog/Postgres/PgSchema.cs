using Npgsql;

namespace FaceIndex.Catalog.Postgres;

/// <summary>
/// The PostgreSQL catalog's schema: the SQLite catalog's tables with the same meaning (CatalogSchema.cs), plus what
/// cooperating workers need: a 'pending' image status with a claim (run) and a lease, each run's host, pid and
/// heartbeat, the dataset's fingerprint, and a log of deleted face ids so an index folder can follow removals.
/// Versioned in schema_version; migration i turns version i into i + 1 in the transaction that records it, under an
/// advisory lock so workers starting together migrate once.
/// </summary>
internal static class PgSchema
{
    /// <summary>Times are Unix milliseconds (UTC) as in SQLite; leases use the server's clock (fi_now_ms), so
    /// workers' clocks may disagree.</summary>
    private const string V1 = """
        CREATE FUNCTION fi_now_ms() RETURNS bigint LANGUAGE sql VOLATILE AS
          $$ SELECT (extract(epoch FROM clock_timestamp()) * 1000)::bigint $$;
        CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);
        CREATE TABLE datasets (
          id bigserial PRIMARY KEY,
          name text NOT NULL UNIQUE,
          root_path text NOT NULL,
          licence text NOT NULL,
          source_url text,
          citation text,
          consent_basis text,
          layout text NOT NULL CHECK (layout IN ('identity-folders', 'flat', 'csv')),
          created_at bigint NOT NULL,
          notes text,
          image_count integer,
          fingerprint text);
        CREATE TABLE runs (
          id bigserial PRIMARY KEY,
          dataset_id bigint NOT NULL REFERENCES datasets(id),
          started_at bigint NOT NULL,
          ended_at bigint,
          status text NOT NULL CHECK (status IN ('running', 'completed', 'interrupted', 'failed')),
          settings text,
          versions text,
          counts text,
          timings text,
          host text,
          pid integer,
          heartbeat_at bigint,
          images_done integer NOT NULL DEFAULT 0,
          faces_done integer NOT NULL DEFAULT 0);
        CREATE TABLE images (
          id bigserial PRIMARY KEY,
          dataset_id bigint NOT NULL REFERENCES datasets(id),
          rel_path text NOT NULL,
          sha256 bytea,
          size_bytes bigint NOT NULL DEFAULT 0,
          width integer NOT NULL DEFAULT 0,
          height integer NOT NULL DEFAULT 0,
          identity text,
          status text NOT NULL CHECK (status IN ('pending', 'ok', 'no_face', 'failed', 'removed')),
          error_reason text,
          error text,
          run_id bigint REFERENCES runs(id),
          indexed_at bigint,
          claimed_by bigint,
          lease_until bigint,
          UNIQUE (dataset_id, rel_path));
        CREATE INDEX images_pending ON images (dataset_id, id) WHERE status = 'pending';
        CREATE INDEX images_identity ON images (dataset_id, identity);
        CREATE INDEX images_sha ON images (sha256);
        CREATE TABLE models (
          id serial PRIMARY KEY,
          name text NOT NULL UNIQUE,
          dimension integer NOT NULL);
        CREATE TABLE faces (
          id bigserial PRIMARY KEY,
          image_id bigint NOT NULL REFERENCES images(id) ON DELETE CASCADE,
          face_index integer NOT NULL,
          box_l integer NOT NULL,
          box_t integer NOT NULL,
          box_r integer NOT NULL,
          box_b integer NOT NULL,
          score double precision NOT NULL,
          landmarks bytea,
          model_id integer REFERENCES models(id),
          embedding bytea,
          is_subject boolean NOT NULL);
        CREATE INDEX faces_image ON faces (image_id);
        CREATE TABLE removals (
          id bigserial PRIMARY KEY,
          dataset_id bigint NOT NULL REFERENCES datasets(id),
          kind text NOT NULL CHECK (kind IN ('identity', 'image')),
          value text NOT NULL,
          sha256 bytea,
          reason text,
          requested_at bigint NOT NULL,
          faces_removed integer NOT NULL,
          images_removed integer NOT NULL);
        CREATE INDEX removals_value ON removals (dataset_id, kind, value);
        CREATE INDEX removals_sha ON removals (sha256) WHERE sha256 IS NOT NULL;
        CREATE TABLE face_tombstones (
          seq bigserial PRIMARY KEY,
          face_id bigint NOT NULL,
          removed_at bigint NOT NULL);
        """;

    /// <summary>Fitted same-person thresholds, as in the SQLite catalog's version 2: every calibration is kept; the latest
    /// of a scope (model, or model and dataset) is in force.</summary>
    private const string V2 = """
        CREATE TABLE calibrations (
          id bigserial PRIMARY KEY,
          model text NOT NULL,
          dataset text,
          threshold double precision NOT NULL,
          chosen text NOT NULL,
          source text NOT NULL,
          created_at bigint NOT NULL,
          details text NOT NULL);
        CREATE INDEX calibrations_scope ON calibrations (model, dataset, id);
        """;

    private static readonly string[] Migrations = [V1, V2];

    /// <summary>The version this build writes.</summary>
    public static int CurrentVersion => Migrations.Length;

    /// <summary>An arbitrary advisory-lock key for migrations ("FIdx" + 1).</summary>
    private const long MigrationLock = 0x46496478_00000001;

    /// <summary>Brings the schema up to <see cref="CurrentVersion"/>; returns the version found.</summary>
    public static int Migrate(NpgsqlConnection connection, string display)
    {
        using var tx = connection.BeginTransaction();
        using (var lockCmd = new NpgsqlCommand("SELECT pg_advisory_xact_lock(@k)", connection, tx))
        {
            lockCmd.Parameters.AddWithValue("k", MigrationLock);
            lockCmd.ExecuteNonQuery();
        }

        using (var create = new NpgsqlCommand("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())", connection, tx))
        {
            create.ExecuteNonQuery();
        }

        int found;
        using (var read = new NpgsqlCommand("SELECT coalesce(max(version), 0) FROM schema_version", connection, tx))
        {
            found = Convert.ToInt32(read.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture);
        }

        if (found > CurrentVersion)
        {
            throw new CatalogException(
                $"the PostgreSQL library {display} has schema version {found}, newer than this FaceIndex understands ({CurrentVersion}): use a newer FaceIndex (it is left untouched).");
        }

        for (var v = found; v < CurrentVersion; v++)
        {
            using var cmd = new NpgsqlCommand(Migrations[v] + $"\nINSERT INTO schema_version (version) VALUES ({v + 1});", connection, tx);
            cmd.ExecuteNonQuery();
        }

        tx.Commit();
        return found;
    }
}
