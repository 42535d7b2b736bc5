namespace FaceIndex.Catalog;

/// <summary>A face of a dataset with what the audit and the export need of its image: the file's hash, size and face count.</summary>
/// <param name="Face">The face row (box, score, landmarks, embedding, subject flag).</param>
/// <param name="Sha256">The image file's SHA-256, or null.</param>
/// <param name="ImageWidth">The decoded image's width.</param>
/// <param name="ImageHeight">The decoded image's height.</param>
/// <param name="FacesInImage">How many faces the image has in the catalog.</param>
public sealed record DatasetFace(StoredFace Face, byte[]? Sha256, int ImageWidth, int ImageHeight, int FacesInImage);
