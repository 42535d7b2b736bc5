using System.Globalization;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// Merges the catalog of another library (the shards of one dataset, or other datasets) into this one, in one
    /// transaction: datasets by name, runs, images exactly once by (dataset, path), their faces, and removal
    /// requests. Every removal request of either side is then applied to the merged catalog, so an image removed
    /// in one shard stays removed wherever its identity, path or content appears. Merging the same library again
    /// adds nothing.
    /// </summary>
    public MergeSummary MergeFrom(string sourceLibrary, CancellationToken cancellationToken = default)
    {
        var sourceDb = Path.Combine(Path.GetFullPath(sourceLibrary), FileName);
        if (!File.Exists(sourceDb))
        {
            throw new CatalogException($"cannot merge {sourceLibrary}: it holds no FaceIndex catalog ({sourceDb} does not exist); give the library folder of an indexing run.");
        }

        if (string.Equals(Path.GetFullPath(sourceDb), DatabasePath, StringComparison.Ordinal))
        {
            throw new CatalogException($"cannot merge {sourceLibrary} into itself: give a different --into library.");
        }

        EnsureWritable("merge " + sourceLibrary);
        using (var attach = _connection.CreateCommand())
        {
            // Read only by use: nothing below writes to src (a URI with mode=ro needs URI filenames, which the
            // writer's connection does not enable).
            attach.CommandText = "ATTACH DATABASE $path AS src";
            attach.Parameters.AddWithValue("$path", sourceDb);
            try
            {
                attach.ExecuteNonQuery();
            }
            catch (SqliteException ex)
            {
                throw Translate(ex, sourceDb, "open for merging");
            }
        }

        try
        {
            var version = Convert.ToInt32(Scalar(_connection, "PRAGMA src.user_version"), CultureInfo.InvariantCulture);
            if (version != CatalogSchema.CurrentVersion)
            {
                throw new CatalogException(version < CatalogSchema.CurrentVersion
                    ? $"cannot merge {sourceDb}: its schema version {version} is older than this FaceIndex's {CatalogSchema.CurrentVersion}; open it once for writing with this version (e.g. 'faceindex info --library {sourceLibrary} --rebuild'), then merge."
                    : $"cannot merge {sourceDb}: its schema version {version} is newer than this FaceIndex understands ({CatalogSchema.CurrentVersion}); use a newer FaceIndex.");
            }

            return Write("merge " + sourceLibrary, tx => MergeAttached(tx, sourceDb, cancellationToken));
        }
        finally
        {
            using var detach = _connection.CreateCommand();
            detach.CommandText = "DETACH DATABASE src";
            detach.ExecuteNonQuery();
        }
    }

    private MergeSummary MergeAttached(SqliteTransaction tx, string sourceDb, CancellationToken cancellationToken)
    {
        var datasetMap = new Dictionary<long, long>();
        var datasetsAdded = MapDatasets(tx, sourceDb, datasetMap);

        Exec(tx, """
            CREATE TEMP TABLE IF NOT EXISTS merge_models (src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL);
            CREATE TEMP TABLE IF NOT EXISTS merge_runs (src_id INTEGER PRIMARY KEY, dst_id INTEGER NOT NULL);
            DELETE FROM merge_models; DELETE FROM merge_runs;
            INSERT INTO main.models (name, dimension) SELECT name, dimension FROM src.models WHERE true
              ON CONFLICT (name) DO NOTHING;
            INSERT INTO merge_models (src_id, dst_id) SELECT s.id, m.id FROM src.models s JOIN main.models m ON m.name = s.name;
            """);
        using (var check = _connection.CreateCommand())
        {
            check.Transaction = tx;
            check.CommandText = "SELECT s.name, s.dimension, m.dimension FROM src.models s JOIN main.models m ON m.name = s.name WHERE s.dimension <> m.dimension";
            using var r = check.ExecuteReader();
            if (r.Read())
            {
                throw new CatalogException($"cannot merge {sourceDb}: the model {r.GetString(0)} has dimension {r.GetInt32(1)} there and {r.GetInt32(2)} here; these are not the same model.");
            }
        }

        var runsAdded = 0;
        using (var runs = _connection.CreateCommand())
        {
            runs.Transaction = tx;
            runs.CommandText = "SELECT id, dataset_id, started_at, ended_at, status, settings, versions, counts, timings FROM src.runs ORDER BY id";
            using var r = runs.ExecuteReader();
            using var find = Prepare(tx, """
                SELECT id FROM main.runs WHERE dataset_id = $d AND started_at = $s AND settings IS $settings AND versions IS $versions
                """, "$d", "$s", "$settings", "$versions");
            using var insert = Prepare(tx, """
                INSERT INTO main.runs (dataset_id, started_at, ended_at, status, settings, versions, counts, timings)
                VALUES ($d, $s, $e, $status, $settings, $versions, $counts, $timings) RETURNING id
                """, "$d", "$s", "$e", "$status", "$settings", "$versions", "$counts", "$timings");
            using var map = Prepare(tx, "INSERT INTO merge_runs (src_id, dst_id) VALUES ($src, $dst)", "$src", "$dst");
            while (r.Read())
            {
                var dataset = datasetMap[r.GetInt64(1)];
                Bind(find, dataset, r.GetInt64(2), r.GetValue(5), r.GetValue(6));
                if (find.ExecuteScalar() is not long id)
                {
                    // A run still marked running in a copy belongs to a process that is gone.
                    var status = r.GetString(4) == "running" ? "interrupted" : r.GetString(4);
                    Bind(insert, dataset, r.GetInt64(2), r.GetValue(3), status, r.GetValue(5), r.GetValue(6), r.GetValue(7), r.GetValue(8));
                    id = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                    runsAdded++;
                }

                Bind(map, r.GetInt64(0), id);
                map.ExecuteNonQuery();
            }
        }

        var (added, replaced, unchanged, facesAdded) = MergeImages(tx, datasetMap, cancellationToken);
        var (removalsAdded, facesRemoved) = MergeRemovals(tx, datasetMap);
        return new MergeSummary(sourceDb, datasetsAdded, runsAdded, added, replaced, unchanged, facesAdded, removalsAdded, facesRemoved);
    }

    private int MapDatasets(SqliteTransaction tx, string sourceDb, Dictionary<long, long> map)
    {
        var added = 0;
        using var read = _connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = "SELECT id, name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes FROM src.datasets ORDER BY id";
        using var r = read.ExecuteReader();
        using var find = Prepare(tx, "SELECT id, licence, layout FROM main.datasets WHERE name = $n", "$n");
        using var insert = Prepare(tx, """
            INSERT INTO main.datasets (name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes)
            VALUES ($n, $root, $licence, $source, $citation, $consent, $layout, $created, $notes) RETURNING id
            """, "$n", "$root", "$licence", "$source", "$citation", "$consent", "$layout", "$created", "$notes");
        while (r.Read())
        {
            var name = r.GetString(1);
            Bind(find, name);
            using (var existing = find.ExecuteReader())
            {
                if (existing.Read())
                {
                    if (!string.Equals(existing.GetString(1), r.GetString(3), StringComparison.Ordinal)
                        || !string.Equals(existing.GetString(2), r.GetString(7), StringComparison.Ordinal))
                    {
                        throw new CatalogException(
                            $"cannot merge {sourceDb}: the dataset \"{name}\" has licence \"{r.GetString(3)}\" and layout {r.GetString(7)} there but licence \"{existing.GetString(1)}\" and layout {existing.GetString(2)} here. " +
                            "They are not the same dataset record: index the parts with the same --licence and --layout, or give one a different --dataset name.");
                    }

                    map[r.GetInt64(0)] = existing.GetInt64(0);
                    continue;
                }
            }

            Bind(insert, name, r.GetValue(2), r.GetValue(3), r.GetValue(4), r.GetValue(5), r.GetValue(6), r.GetValue(7), r.GetValue(8), r.GetValue(9));
            map[r.GetInt64(0)] = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
            added++;
        }

        return added;
    }

    private (int Added, int Replaced, int Unchanged, int Faces) MergeImages(SqliteTransaction tx, Dictionary<long, long> datasetMap, CancellationToken cancellationToken)
    {
        int added = 0, replaced = 0, unchanged = 0, faces = 0;
        using var read = _connection.CreateCommand();
        read.Transaction = tx;
        read.CommandText = """
            SELECT i.id, i.dataset_id, i.rel_path, i.sha256, i.size_bytes, i.width, i.height, i.identity, i.status,
                   i.error_reason, i.error, r.dst_id, i.indexed_at
            FROM src.images i LEFT JOIN merge_runs r ON r.src_id = i.run_id ORDER BY i.id
            """;
        using var r = read.ExecuteReader();
        using var find = Prepare(tx, "SELECT id, sha256, status, indexed_at FROM main.images WHERE dataset_id = $d AND rel_path = $p", "$d", "$p");
        using var insert = Prepare(tx, """
            INSERT INTO main.images (dataset_id, rel_path, sha256, size_bytes, width, height, identity, status, error_reason, error, run_id, indexed_at)
            VALUES ($d, $p, $sha, $size, $w, $h, $identity, $status, $reason, $error, $run, $at) RETURNING id
            """, "$d", "$p", "$sha", "$size", "$w", "$h", "$identity", "$status", "$reason", "$error", "$run", "$at");
        using var update = Prepare(tx, """
            UPDATE main.images SET sha256 = $sha, size_bytes = $size, width = $w, height = $h, identity = $identity, status = $status,
              error_reason = $reason, error = $error, run_id = $run, indexed_at = $at WHERE id = $id
            """, "$id", "$sha", "$size", "$w", "$h", "$identity", "$status", "$reason", "$error", "$run", "$at");
        using var deleteFaces = Prepare(tx, "DELETE FROM main.faces WHERE image_id = $id", "$id");
        using var copyFaces = Prepare(tx, """
            INSERT INTO main.faces (image_id, face_index, box_l, box_t, box_r, box_b, score, landmarks, model_id, embedding, is_subject)
            SELECT $dst, f.face_index, f.box_l, f.box_t, f.box_r, f.box_b, f.score, f.landmarks, m.dst_id, f.embedding, f.is_subject
            FROM src.faces f LEFT JOIN merge_models m ON m.src_id = f.model_id WHERE f.image_id = $src ORDER BY f.id
            """, "$dst", "$src");
        using var copyEmbeddings = Prepare(tx, """
            INSERT INTO main.face_embeddings (face_id, model_id, embedding)
            SELECT nf.id, m.dst_id, e.embedding FROM src.face_embeddings e JOIN src.faces f ON f.id = e.face_id
            JOIN main.faces nf ON nf.image_id = $dst AND nf.face_index = f.face_index JOIN merge_models m ON m.src_id = e.model_id
            WHERE f.image_id = $src
            """, "$dst", "$src");
        while (r.Read())
        {
            cancellationToken.ThrowIfCancellationRequested();
            var srcId = r.GetInt64(0);
            var dataset = datasetMap[r.GetInt64(1)];
            var sha = r.IsDBNull(3) ? null : (byte[])r.GetValue(3);
            var status = r.GetString(8);
            var at = r.GetInt64(12);
            Bind(find, dataset, r.GetString(2));
            long? target = null;
            using (var existing = find.ExecuteReader())
            {
                if (existing.Read())
                {
                    var theirSha = existing.IsDBNull(1) ? null : (byte[])existing.GetValue(1);
                    var theirStatus = existing.GetString(2);
                    var newer = at > existing.GetInt64(3);
                    var same = sha is not null && theirSha is not null && sha.AsSpan().SequenceEqual(theirSha);

                    // Removed stays removed (the removals pass below re-applies every request); otherwise the
                    // more recent indexing of the path wins, and the same content indexed as recently is kept.
                    if (theirStatus == "removed" || !newer || (same && theirStatus == status))
                    {
                        unchanged++;
                        continue;
                    }

                    target = existing.GetInt64(0);
                }
            }

            long dst;
            if (target is { } id)
            {
                Bind(deleteFaces, id);
                deleteFaces.ExecuteNonQuery();
                Bind(update, id, (object?)sha ?? DBNull.Value, r.GetValue(4), r.GetValue(5), r.GetValue(6), r.GetValue(7), status, r.GetValue(9), r.GetValue(10), r.GetValue(11), at);
                update.ExecuteNonQuery();
                dst = id;
                replaced++;
            }
            else
            {
                Bind(insert, dataset, r.GetString(2), (object?)sha ?? DBNull.Value, r.GetValue(4), r.GetValue(5), r.GetValue(6), r.GetValue(7), status, r.GetValue(9), r.GetValue(10), r.GetValue(11), at);
                dst = Convert.ToInt64(insert.ExecuteScalar(), CultureInfo.InvariantCulture);
                added++;
            }

            Bind(copyFaces, dst, srcId);
            faces += copyFaces.ExecuteNonQuery();

            // Other models' embeddings follow their faces (matched by position in the image: the faces were just copied).
            Bind(copyEmbeddings, dst, srcId);
            copyEmbeddings.ExecuteNonQuery();
        }

        return (added, replaced, unchanged, faces);
    }

    private (int Added, int FacesRemoved) MergeRemovals(SqliteTransaction tx, Dictionary<long, long> datasetMap)
    {
        var added = 0;
        using (var read = _connection.CreateCommand())
        {
            read.Transaction = tx;
            read.CommandText = "SELECT dataset_id, kind, value, sha256, reason, requested_at, faces_removed, images_removed FROM src.removals ORDER BY id";
            using var r = read.ExecuteReader();
            using var find = Prepare(tx, """
                SELECT 1 FROM main.removals WHERE dataset_id = $d AND kind = $k AND value = $v AND sha256 IS $sha AND requested_at = $at
                """, "$d", "$k", "$v", "$sha", "$at");
            using var insert = Prepare(tx, """
                INSERT INTO main.removals (dataset_id, kind, value, sha256, reason, requested_at, faces_removed, images_removed)
                VALUES ($d, $k, $v, $sha, $reason, $at, $faces, $images)
                """, "$d", "$k", "$v", "$sha", "$reason", "$at", "$faces", "$images");
            while (r.Read())
            {
                var dataset = datasetMap[r.GetInt64(0)];
                Bind(find, dataset, r.GetString(1), r.GetString(2), r.GetValue(3), r.GetInt64(5));
                if (find.ExecuteScalar() is null)
                {
                    Bind(insert, dataset, r.GetString(1), r.GetString(2), r.GetValue(3), r.GetValue(4), r.GetInt64(5), r.GetInt64(6), r.GetInt64(7));
                    insert.ExecuteNonQuery();
                    added++;
                }
            }
        }

        // Apply every request to the merged catalog: a request made on one machine covers the images that
        // another machine indexed (same identity or path in the dataset, or the same file anywhere).
        var facesRemoved = 0;
        var requests = new List<(long Dataset, string Kind, string Value, byte[]? Sha)>();
        using (var all = _connection.CreateCommand())
        {
            all.Transaction = tx;
            all.CommandText = "SELECT dataset_id, kind, value, sha256 FROM main.removals ORDER BY id";
            using var r = all.ExecuteReader();
            while (r.Read())
            {
                requests.Add((r.GetInt64(0), r.GetString(1), r.GetString(2), r.IsDBNull(3) ? null : (byte[])r.GetValue(3)));
            }
        }

        foreach (var (dataset, kind, value, sha) in requests)
        {
            var (faces, _) = kind == "identity"
                ? RemoveWhere(tx, "status <> 'removed' AND dataset_id = $d AND identity = $v", dataset, value)
                : sha is null
                    ? RemoveWhere(tx, "status <> 'removed' AND dataset_id = $d AND rel_path = $v", dataset, value)
                    : RemoveWhere(tx, "status <> 'removed' AND ((dataset_id = $d AND rel_path = $v) OR sha256 = $sha)", dataset, value, sha);
            facesRemoved += faces;
        }

        return (added, facesRemoved);
    }

    private void Exec(SqliteTransaction tx, string sql)
    {
        using var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    private SqliteCommand Prepare(SqliteTransaction tx, string sql, params string[] names)
    {
        var cmd = _connection.CreateCommand();
        cmd.Transaction = tx;
        cmd.CommandText = sql;
        foreach (var name in names)
        {
            cmd.Parameters.Add(new SqliteParameter { ParameterName = name });
        }

        return cmd;
    }

    private static void Bind(SqliteCommand cmd, params object?[] values)
    {
        for (var i = 0; i < values.Length; i++)
        {
            cmd.Parameters[i].Value = values[i] ?? DBNull.Value;
        }
    }
}
