using System.Numerics.Tensors;
using System.Runtime.InteropServices;
using Microsoft.Data.Sqlite;

namespace FaceIndex.Removal;

/// <summary>
/// Deletes from the evaluation embedding cache (<see cref="Evaluation.SubjectEmbeddings"/>, keyed by a hash of the
/// file path and settings) every entry whose embedding is within <see cref="Radius"/> of a removed face: the cache
/// cannot be searched by image, and an evaluation embeds with its own detector settings, so its copy of a face is
/// close to the catalog's but not always byte-equal. Dropping a near neighbour too only costs a recomputation.
/// </summary>
public static class EvaluationCacheScrubber
{
    /// <summary>Same photo, same face: re-encoded or re-detected copies measured 0.00-0.05 apart; different photos of one person are ~0.3 and up.</summary>
    public const float Radius = 0.08f;

    /// <summary>The cache's file name inside its folder (as SubjectEmbeddings writes it).</summary>
    public const string FileName = "embeddings.db";

    /// <summary>Deletes the matching entries with secure delete and truncates the WAL; returns how many were deleted (0 when there is no cache).</summary>
    public static int Scrub(string? cacheDirectory, IReadOnlyList<float[]> removed)
    {
        ArgumentNullException.ThrowIfNull(removed);
        var path = cacheDirectory is null ? null : Path.Combine(cacheDirectory, FileName);
        if (path is null || !File.Exists(path) || removed.Count == 0)
        {
            return 0;
        }

        using var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        using (var pragma = connection.CreateCommand())
        {
            pragma.CommandText = "PRAGMA secure_delete = ON; PRAGMA busy_timeout = 5000;";
            pragma.ExecuteNonQuery();
        }

        var doomed = new List<string>();
        using (var cmd = connection.CreateCommand())
        {
            cmd.CommandText = "SELECT key, embedding FROM subject_embeddings WHERE embedding IS NOT NULL";
            using var r = cmd.ExecuteReader();
            while (r.Read())
            {
                var vector = MemoryMarshal.Cast<byte, float>((byte[])r.GetValue(1)).ToArray();
                if (removed.Any(e => e.Length == vector.Length && TensorPrimitives.Distance(e, vector) < Radius))
                {
                    doomed.Add(r.GetString(0));
                }
            }
        }

        using (var tx = connection.BeginTransaction())
        {
            foreach (var key in doomed)
            {
                using var del = connection.CreateCommand();
                del.Transaction = tx;
                del.CommandText = "DELETE FROM subject_embeddings WHERE key = $k";
                del.Parameters.AddWithValue("$k", key);
                del.ExecuteNonQuery();
            }

            tx.Commit();
        }

        using (var checkpoint = connection.CreateCommand())
        {
            checkpoint.CommandText = "PRAGMA wal_checkpoint(TRUNCATE)";
            checkpoint.ExecuteNonQuery();
        }

        return doomed.Count;
    }
}
