namespace FaceIndex.Removal;

/// <summary>
/// What is kept of a removed face's embedding so its bytes can be searched for later: a 64-bit rolling hash and the
/// SHA-256 of one stored form of it (float32 as in the catalog and Annoy, float16 as in HNSW). Neither gives the
/// embedding back; they only recognise it.
/// </summary>
/// <param name="RemovalId">The removal request it belongs to.</param>
/// <param name="FaceId">The removed face.</param>
/// <param name="Form">"float32" or "float16".</param>
/// <param name="Length">The form's length in bytes (the scan window).</param>
/// <param name="Rolling">The rolling hash of those bytes (see <see cref="TraceScanner"/>).</param>
/// <param name="Sha256">The SHA-256 of those bytes, lower-case hex, confirming a rolling-hash match.</param>
public sealed record TraceFingerprint(long RemovalId, long FaceId, string Form, int Length, ulong Rolling, string Sha256);
