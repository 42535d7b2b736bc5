namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// Stores a clustering: one cluster id per face (replacing the dataset's previous one). The table is created on
    /// first use rather than by a schema migration, so a catalog without clusters is unchanged; its rows go with
    /// their faces (ON DELETE CASCADE), so a removal leaves no cluster row behind.
    /// </summary>
    public void SaveClusters(string dataset, string algorithm, IReadOnlyList<(long FaceId, int Cluster)> clusters)
    {
        ArgumentNullException.ThrowIfNull(clusters);
        Write("store the clusters", tx =>
        {
            using (var create = _connection.CreateCommand())
            {
                create.Transaction = tx;
                create.CommandText = """
                    CREATE TABLE IF NOT EXISTS face_clusters (
                      face_id INTEGER PRIMARY KEY REFERENCES faces(id) ON DELETE CASCADE,
                      dataset_id INTEGER NOT NULL REFERENCES datasets(id),
                      algorithm TEXT NOT NULL,
                      cluster INTEGER NOT NULL,
                      made_at INTEGER NOT NULL);
                    DELETE FROM face_clusters WHERE dataset_id = (SELECT id FROM datasets WHERE name = $d);
                    """;
                create.Parameters.AddWithValue("$d", dataset);
                create.ExecuteNonQuery();
            }

            using var insert = _connection.CreateCommand();
            insert.Transaction = tx;
            insert.CommandText = "INSERT INTO face_clusters VALUES ($f, (SELECT id FROM datasets WHERE name = $d), $a, $c, $t)";
            var f = insert.Parameters.Add("$f", Microsoft.Data.Sqlite.SqliteType.Integer);
            var c = insert.Parameters.Add("$c", Microsoft.Data.Sqlite.SqliteType.Integer);
            insert.Parameters.AddWithValue("$d", dataset);
            insert.Parameters.AddWithValue("$a", algorithm);
            insert.Parameters.AddWithValue("$t", NowMs());
            foreach (var (faceId, cluster) in clusters)
            {
                f.Value = faceId;
                c.Value = cluster;
                insert.ExecuteNonQuery();
            }

            return 0;
        });
    }

    /// <summary>The stored cluster id of each face of a dataset (empty when it was never clustered).</summary>
    public IReadOnlyDictionary<long, int> Clusters(string dataset)
    {
        ThrowIfDisposed();
        using var exists = _connection.CreateCommand();
        exists.CommandText = "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = 'face_clusters'";
        if (Convert.ToInt64(exists.ExecuteScalar(), System.Globalization.CultureInfo.InvariantCulture) == 0)
        {
            return new Dictionary<long, int>();
        }

        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT c.face_id, c.cluster FROM face_clusters c JOIN datasets d ON d.id = c.dataset_id WHERE d.name = $d";
        cmd.Parameters.AddWithValue("$d", dataset);
        using var r = cmd.ExecuteReader();
        var map = new Dictionary<long, int>();
        while (r.Read())
        {
            map[r.GetInt64(0)] = r.GetInt32(1);
        }

        return map;
    }
}
