namespace FaceIndex.Catalog;

/// <summary>A SQLite library read as the input of a merge into another backend.</summary>
public sealed partial class FaceCatalog
{
    /// <summary>
    /// Every image of <paramref name="dataset"/> as the result an indexer handed the catalog, with its run, in id order.
    /// A removed image comes as a face-less placeholder (no face, same path, size and hash): merged before the removal
    /// requests, it gives an image removal its content hash, and the requests then mark it removed as here.
    /// </summary>
    internal IReadOnlyList<(long? RunId, ImageResult Image)> IndexedImages(string dataset)
    {
        ThrowIfDisposed();
        var faces = DatasetFaces(dataset).GroupBy(f => f.Face.ImageId).ToDictionary(g => g.Key, g => g.OrderBy(f => f.Face.FaceIndex).ToList());
        using var cmd = _connection.CreateCommand();
        cmd.CommandText = $"SELECT {ImageColumns} FROM images i JOIN datasets d ON d.id = i.dataset_id WHERE d.name = $n ORDER BY i.id";
        cmd.Parameters.AddWithValue("$n", dataset);
        using var r = cmd.ExecuteReader();
        var list = new List<(long?, ImageResult)>();
        while (r.Read())
        {
            var image = CatalogRows.ReadImage(r);
            if (image.Status == ImageStatus.Removed)
            {
                image = image with { Status = ImageStatus.NoFace, ErrorReason = null, Error = null };
            }

            var of = faces.GetValueOrDefault(image.Id) ?? [];
            var result = new ImageResult(
                image.RelPath,
                image.Sha256 ?? [],
                image.SizeBytes,
                image.Width,
                image.Height,
                image.Identity,
                image.Status,
                image.ErrorReason,
                image.Error,
                [.. of.Select(f => new ImageFace(
                    new Pipeline.FaceRecord(f.Face.FaceIndex, f.Face.Box, f.Face.Score, new Landmarks.FaceLandmarks(f.Face.Box, [.. f.Face.Landmarks]), f.Face.Embedding, f.Face.ModelId),
                    f.Face.IsSubject))]);
            list.Add((image.RunId, result));
        }

        return list;
    }
}
