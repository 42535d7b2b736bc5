namespace FaceIndex.Search;

/// <summary>One probe of a batch query: its result, or why it failed (the run goes on either way).</summary>
/// <param name="Ordinal">The probe's position in the run, from 0.</param>
/// <param name="Photo">The probe's path.</param>
/// <param name="Result">The faces and their hits; null when the probe failed.</param>
/// <param name="ErrorReason">A machine-readable reason (a decoder reason such as Truncated, or NoFace, FaceOutOfRange, Unreadable).</param>
/// <param name="Error">The message, naming the file and what to do.</param>
/// <param name="Milliseconds">Analysis and search time of this probe.</param>
public sealed record BatchQueryItem(int Ordinal, string Photo, QueryResult? Result, string? ErrorReason, string? Error, double Milliseconds)
{
    /// <summary>True when the probe was answered.</summary>
    public bool Ok => Result is not null;
}
