namespace FaceIndex.Export;

/// <summary>What an export wrote.</summary>
/// <param name="Dataset">The dataset exported.</param>
/// <param name="Format">The format.</param>
/// <param name="Files">The files written (for npy: the array, then the labels).</param>
/// <param name="Faces">Rows written.</param>
/// <param name="Dimension">Embedding length.</param>
/// <param name="ModelIds">The model ids of the rows (one unless the dataset mixes models).</param>
/// <param name="MaxFaceId">The highest face id exported: faces added later are not in it.</param>
public sealed record ExportResult(string Dataset, ExportFormat Format, IReadOnlyList<string> Files, int Faces, int Dimension, IReadOnlyList<string> ModelIds, long MaxFaceId);
