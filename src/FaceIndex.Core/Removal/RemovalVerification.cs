namespace FaceIndex.Removal;

/// <summary>Where a removal check looked and what it found: clean when no file holds the bytes of a removed embedding.</summary>
/// <param name="Places">Every file searched.</param>
/// <param name="Fingerprints">How many stored forms of removed embeddings were searched for (float32 and float16 of each face).</param>
/// <param name="RemovedFaces">How many removed faces they cover.</param>
/// <param name="Notes">What was not searched and why (e.g. no stored query results exist).</param>
public sealed record RemovalVerification(IReadOnlyList<ScannedPlace> Places, int Fingerprints, int RemovedFaces, IReadOnlyList<string> Notes)
{
    /// <summary>True when no searched file holds a removed embedding.</summary>
    public bool Clean => Places.All(p => p.Found == 0);
}
