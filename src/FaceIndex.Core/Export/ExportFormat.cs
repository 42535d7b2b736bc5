namespace FaceIndex.Export;

/// <summary>The file format of an embedding export.</summary>
public enum ExportFormat
{
    /// <summary>NAME.npy (n x d float32) and NAME.labels.csv (one row per embedding row, same order).</summary>
    Npy,

    /// <summary>One Parquet file: the label columns and the embedding as a list of float32.</summary>
    Parquet,

    /// <summary>One CSV file: the label columns, then e0..e(d-1) written so they read back to the same float32.</summary>
    Csv,
}
