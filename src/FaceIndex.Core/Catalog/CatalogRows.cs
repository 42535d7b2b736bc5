using System.Data.Common;
using System.Globalization;
using FaceIndex.Detection;

namespace FaceIndex.Catalog;

/// <summary>
/// Rows of both backends' image and face queries as records: SQLite and PostgreSQL select the same columns in the
/// same order (each catalog's <c>ImageColumns</c> and <c>FaceColumns</c>), so one mapping serves both and the
/// catalog contract tests hold them to it.
/// </summary>
internal static class CatalogRows
{
    /// <summary>An image row: id, dataset, path, sha256, size, width, height, identity, status, reason, error, run, indexed at, faces.</summary>
    public static StoredImage ReadImage(DbDataReader r) => new(
        r.GetInt64(0),
        r.GetString(1),
        r.GetString(2),
        r.IsDBNull(3) ? null : (byte[])r.GetValue(3),
        r.GetInt64(4),
        r.GetInt32(5),
        r.GetInt32(6),
        Text(r, 7),
        FaceCatalog.ParseStatus(r.GetString(8)),
        Text(r, 9),
        Text(r, 10),
        r.IsDBNull(11) ? null : r.GetInt64(11),
        DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(12)),

        // count(*): a 64-bit integer on both, read as whatever the provider boxes.
        Convert.ToInt32(r.GetValue(13), CultureInfo.InvariantCulture));

    /// <summary>A face row: id, image, dataset, path, identity, index, box (l, t, r, b), score, landmarks, model, embedding, subject.</summary>
    public static StoredFace ReadFace(DbDataReader r)
    {
        var box = new FaceBox(r.GetInt32(6), r.GetInt32(7), r.GetInt32(8), r.GetInt32(9));
        return new StoredFace(
            r.GetInt64(0),
            r.GetInt64(1),
            r.GetString(2),
            r.GetString(3),
            Text(r, 4),
            r.GetInt32(5),
            box,
            r.GetDouble(10),
            r.IsDBNull(11) ? [] : FaceBlobs.DecodeLandmarks(box, (byte[])r.GetValue(11)),
            Text(r, 12),
            r.IsDBNull(13) ? null : FaceBlobs.DecodeEmbedding((byte[])r.GetValue(13)),

            // SQLite keeps the flag as an integer, PostgreSQL as a boolean.
            r.GetValue(14) is bool subject ? subject : Convert.ToInt64(r.GetValue(14), CultureInfo.InvariantCulture) != 0);
    }

    private static string? Text(DbDataReader r, int ordinal) => r.IsDBNull(ordinal) ? null : r.GetString(ordinal);
}
