using System.Globalization;

namespace FaceIndex.Catalog;

/// <summary>Reads a long-lived reader (the web page, a batch query) needs: browsing, and noticing a writer's commits.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>
    /// SQLite's data_version: it changes when another connection commits to the catalog, so a reader that keeps
    /// its connection open can tell in a microsecond whether an indexer added or removed anything since it last looked.
    /// </summary>
    public long DataVersion()
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = "PRAGMA data_version";
        return Convert.ToInt64(cmd.ExecuteScalar(), CultureInfo.InvariantCulture);
    }

    /// <summary>The faces of one identity of a dataset (removed ones are gone), by image path, at most <paramref name="limit"/>.</summary>
    public IReadOnlyList<StoredFace> FacesOfIdentity(string dataset, string identity, int limit = 500)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"""
            SELECT {FaceColumns} FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            LEFT JOIN models m ON m.id = f.model_id WHERE d.name = $d AND i.identity = $i ORDER BY i.rel_path, f.face_index LIMIT $l
            """;
        cmd.Parameters.AddWithValue("$d", dataset);
        cmd.Parameters.AddWithValue("$i", identity);
        cmd.Parameters.AddWithValue("$l", limit);
        using var r = cmd.ExecuteReader();
        var list = new List<StoredFace>();
        while (r.Read())
        {
            list.Add(CatalogRows.ReadFace(r));
        }

        return list;
    }

    /// <summary>An image by id, or null (never stored, or removed).</summary>
    public StoredImage? GetImageById(long imageId)
    {
        ThrowIfDisposed();
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE i.id = $id";
        cmd.Parameters.AddWithValue("$id", imageId);
        using var r = cmd.ExecuteReader();
        return r.Read() ? CatalogRows.ReadImage(r) : null;
    }

    /// <summary>Every dataset with its licence, provenance and image counts; <paramref name="withRoot"/> false leaves out the folder path (for a server).</summary>
    public IReadOnlyList<DatasetSummary> DatasetSummaries(bool withRoot = true) =>
        [.. Datasets().Select(d =>
        {
            var counts = CountByStatus(d.Info.Name);
            return new DatasetSummary(
                d.Info.Name,
                d.Info.Licence,
                d.Info.SourceUrl,
                d.Info.ConsentBasis,
                d.Info.Citation,
                d.Info.Layout.ToString(),
                withRoot ? d.RootPath : null,
                counts.Values.Sum(),
                counts.GetValueOrDefault(ImageStatus.Ok),
                counts.GetValueOrDefault(ImageStatus.NoFace),
                counts.GetValueOrDefault(ImageStatus.Failed),
                Removals(d.Info.Name).Count);
        })];
}
