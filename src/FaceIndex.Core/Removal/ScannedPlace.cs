namespace FaceIndex.Removal;

/// <summary>One file searched for removed embeddings: what it is, its size, and how many removed embeddings' bytes it holds.</summary>
public sealed record ScannedPlace(string Path, string What, long Bytes, int Found);
