using System.Globalization;
using FaceIndex.Catalog.Postgres;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// Copies rows of a PostgreSQL library into this catalog, keeping their ids (an index folder's local copy; see
    /// <see cref="PgMirror"/>): datasets, the images of the faces, faces (ignored when already present), deletions of
    /// removed faces, and the marks of what has been copied, in one transaction.
    /// </summary>
    internal void ApplyMirror(
        IReadOnlyList<PgDatasetRow> datasets, IReadOnlyList<PgImageRow> images, IReadOnlyList<PgFaceRow> faces, IReadOnlyList<long> deletedFaces, IReadOnlyDictionary<string, string> marks)
    {
        EnsureWritable("copy faces from PostgreSQL");
        Write("copy faces from PostgreSQL", tx =>
        {
            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO datasets (id, name, root_path, licence, source_url, citation, consent_basis, layout, created_at, notes)
                    VALUES ($id, $name, $root, $licence, $source, $citation, $consent, $layout, $created, $notes)
                    ON CONFLICT (id) DO UPDATE SET name = excluded.name, root_path = excluded.root_path, licence = excluded.licence,
                      source_url = excluded.source_url, citation = excluded.citation, consent_basis = excluded.consent_basis, layout = excluded.layout, notes = excluded.notes
                    """;
                foreach (var d in datasets)
                {
                    cmd.Parameters.Clear();
                    cmd.Parameters.AddWithValue("$id", d.Id);
                    cmd.Parameters.AddWithValue("$name", d.Name);
                    cmd.Parameters.AddWithValue("$root", d.RootPath);
                    cmd.Parameters.AddWithValue("$licence", d.Licence);
                    cmd.Parameters.AddWithValue("$source", (object?)d.SourceUrl ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$citation", (object?)d.Citation ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$consent", (object?)d.ConsentBasis ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$layout", d.Layout);
                    cmd.Parameters.AddWithValue("$created", d.CreatedAt);
                    cmd.Parameters.AddWithValue("$notes", (object?)d.Notes ?? DBNull.Value);
                    cmd.ExecuteNonQuery();
                }
            }

            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT INTO images (id, dataset_id, rel_path, sha256, size_bytes, width, height, identity, status, indexed_at)
                    VALUES ($id, $d, $path, $sha, $size, $w, $h, $identity, $status, $at)
                    ON CONFLICT (id) DO UPDATE SET sha256 = excluded.sha256, size_bytes = excluded.size_bytes, width = excluded.width,
                      height = excluded.height, identity = excluded.identity, status = excluded.status, indexed_at = excluded.indexed_at
                    """;
                foreach (var i in images)
                {
                    cmd.Parameters.Clear();
                    cmd.Parameters.AddWithValue("$id", i.Id);
                    cmd.Parameters.AddWithValue("$d", i.DatasetId);
                    cmd.Parameters.AddWithValue("$path", i.RelPath);
                    cmd.Parameters.AddWithValue("$sha", (object?)i.Sha256 ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$size", i.SizeBytes);
                    cmd.Parameters.AddWithValue("$w", i.Width);
                    cmd.Parameters.AddWithValue("$h", i.Height);
                    cmd.Parameters.AddWithValue("$identity", (object?)i.Identity ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$status", string.Equals(i.Status, "pending", StringComparison.Ordinal) ? "ok" : i.Status);
                    cmd.Parameters.AddWithValue("$at", i.IndexedAt ?? 0);
                    cmd.ExecuteNonQuery();
                }
            }

            var models = new Dictionary<string, (long Id, int Dimension)>(StringComparer.Ordinal);
            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = """
                    INSERT OR IGNORE INTO faces (id, image_id, face_index, box_l, box_t, box_r, box_b, score, landmarks, model_id, embedding, is_subject)
                    VALUES ($id, $i, $n, $l, $t, $r, $b, $score, $lm, $model, $emb, $subject)
                    """;
                foreach (var f in faces)
                {
                    object model = DBNull.Value;
                    if (f.Model is { } name)
                    {
                        if (!models.TryGetValue(name, out var key))
                        {
                            key = ModelKey(name, f.Dimension, tx);
                            models.Add(name, key);
                        }

                        model = key.Id;
                    }

                    cmd.Parameters.Clear();
                    cmd.Parameters.AddWithValue("$id", f.Id);
                    cmd.Parameters.AddWithValue("$i", f.ImageId);
                    cmd.Parameters.AddWithValue("$n", f.FaceIndex);
                    cmd.Parameters.AddWithValue("$l", f.L);
                    cmd.Parameters.AddWithValue("$t", f.T);
                    cmd.Parameters.AddWithValue("$r", f.R);
                    cmd.Parameters.AddWithValue("$b", f.B);
                    cmd.Parameters.AddWithValue("$score", f.Score);
                    cmd.Parameters.AddWithValue("$lm", (object?)f.Landmarks ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$model", model);
                    cmd.Parameters.AddWithValue("$emb", (object?)f.Embedding ?? DBNull.Value);
                    cmd.Parameters.AddWithValue("$subject", f.IsSubject ? 1 : 0);
                    cmd.ExecuteNonQuery();
                }
            }

            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "DELETE FROM faces WHERE id = $id";
                var p = cmd.Parameters.Add("$id", SqliteType.Integer);
                foreach (var id in deletedFaces)
                {
                    p.Value = id;
                    cmd.ExecuteNonQuery();
                }
            }

            using (var cmd = _connection.CreateCommand())
            {
                cmd.Transaction = tx;
                cmd.CommandText = "INSERT INTO meta (key, value) VALUES ($k, $v) ON CONFLICT (key) DO UPDATE SET value = excluded.value";
                foreach (var (key, value) in marks)
                {
                    cmd.Parameters.Clear();
                    cmd.Parameters.AddWithValue("$k", key);
                    cmd.Parameters.AddWithValue("$v", value);
                    cmd.ExecuteNonQuery();
                }
            }

            return 0;
        });
    }

    /// <summary>The names of the models that embedded this catalog's faces.</summary>
    internal IReadOnlyList<string> ModelNames()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT DISTINCT m.name FROM faces f JOIN models m ON m.id = f.model_id ORDER BY m.name";
        using var r = cmd.ExecuteReader();
        var list = new List<string>();
        while (r.Read())
        {
            list.Add(r.GetString(0));
        }

        return list;
    }

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
