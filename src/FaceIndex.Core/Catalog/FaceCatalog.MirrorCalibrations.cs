namespace FaceIndex.Catalog;

/// <summary>An index folder's copy of a PostgreSQL library's calibrations, so a query through it decides with them.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>Copies calibrations under their PostgreSQL ids and times (idempotent: a calibration is never changed or deleted).</summary>
    internal void ApplyCalibrations(IReadOnlyList<StoredCalibration> calibrations)
    {
        if (calibrations.Count == 0)
        {
            return;
        }

        Write("copy calibrations from PostgreSQL", tx =>
        {
            using var cmd = _connection.CreateCommand();
            cmd.Transaction = tx;
            cmd.CommandText = """
                INSERT INTO calibrations (id, model, dataset, threshold, chosen, source, created_at, details)
                VALUES ($id, $m, $d, $t, $c, $s, $at, $j) ON CONFLICT (id) DO NOTHING
                """;
            foreach (var c in calibrations)
            {
                cmd.Parameters.Clear();
                cmd.Parameters.AddWithValue("$id", c.Id);
                cmd.Parameters.AddWithValue("$m", c.ModelId);
                cmd.Parameters.AddWithValue("$d", (object?)c.Dataset ?? DBNull.Value);
                cmd.Parameters.AddWithValue("$t", c.Threshold);
                cmd.Parameters.AddWithValue("$c", c.Chosen);
                cmd.Parameters.AddWithValue("$s", c.Source);
                cmd.Parameters.AddWithValue("$at", c.CreatedAt.ToUnixTimeMilliseconds());
                cmd.Parameters.AddWithValue("$j", c.DetailsJson);
                cmd.ExecuteNonQuery();
            }

            return 0;
        });
    }
}
