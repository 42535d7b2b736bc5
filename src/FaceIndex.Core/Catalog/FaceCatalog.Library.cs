using System.Globalization;

namespace FaceIndex.Catalog;

/// <summary>Reads the library commands (info, query) need beyond the core ones.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>How many faces have an id above <paramref name="faceId"/> (the index's delta).</summary>
    public long CountFacesAfter(long faceId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "SELECT count(*) FROM faces WHERE id > $id";
        cmd.Parameters.AddWithValue("$id", faceId);
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>Every failed image with its reason and message, by dataset and path.</summary>
    public IReadOnlyList<StoredImage> FailedImages(string? dataset = null)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.status = 'failed' AND ($n IS NULL OR d.name = $n) ORDER BY d.name, i.rel_path";
        cmd.Parameters.AddWithValue("$n", (object?)dataset ?? DBNull.Value);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredImage>();
        while (r.Read())
        {
            list.Add(ReadImage(r));
        }

        return list;
    }
}
