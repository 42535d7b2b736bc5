using System.Globalization;

namespace FaceIndex.Catalog;

public sealed partial class FaceCatalog
{
    /// <summary>
    /// Every face of <paramref name="dataset"/> (optionally of one model) in face-id order, with its image's hash and
    /// size, in one statement: what audit, cluster and export read. Removed faces have no row, so they are never here.
    /// </summary>
    public IReadOnlyList<DatasetFace> DatasetFaces(string dataset, string? modelId = null)
    {
        ThrowIfDisposed();
        if (GetDataset(dataset) is null)
        {
            throw new CatalogException(string.Create(CultureInfo.InvariantCulture,
                $"the library {Library} has no dataset '{dataset}': 'faceindex datasets' lists the indexed ones"));
        }

        using var cmd = _connection.CreateCommand();

        // With a model: its embedding from either place (FaceCatalog.Embeddings), for the faces that have one.
        var columns = modelId is null ? FaceColumns : FaceColumns.Replace("m.name, f.embedding", $"$m, {ModelEmbeddingSql}", StringComparison.Ordinal);
        cmd.CommandText = $"""
            SELECT {columns}, i.sha256, i.width, i.height, (SELECT count(*) FROM faces g WHERE g.image_id = i.id)
            FROM faces f JOIN images i ON i.id = f.image_id JOIN datasets d ON d.id = i.dataset_id
            LEFT JOIN models m ON m.id = f.model_id
            WHERE d.name = $d AND ($m IS NULL OR ({ModelEmbeddingSql}) IS NOT NULL) ORDER BY f.id
            """;
        cmd.Parameters.AddWithValue("$d", dataset);
        cmd.Parameters.AddWithValue("$m", (object?)modelId ?? DBNull.Value);
        cmd.Parameters.AddWithValue("$mk", modelId is null ? -1 : ModelKeyOf(modelId) ?? -1);
        using var r = cmd.ExecuteReader();
        var list = new List<DatasetFace>();
        while (r.Read())
        {
            list.Add(new DatasetFace(CatalogRows.ReadFace(r), r.IsDBNull(15) ? null : (byte[])r.GetValue(15), r.GetInt32(16), r.GetInt32(17), r.GetInt32(18)));
        }

        return list;
    }
}
