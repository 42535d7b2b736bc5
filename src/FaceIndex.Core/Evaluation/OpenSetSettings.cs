namespace FaceIndex.Evaluation;

/// <summary>Settings of an open-set, template-comparing identification run (all recorded in its report).</summary>
/// <param name="Seed">Seed of the held-out identities.</param>
/// <param name="UnknownFraction">Fraction of identities held out as unknown people.</param>
/// <param name="TopK">k of the top-k template.</param>
/// <param name="Threshold">A threshold to use instead of the library's (null: resolved as queries resolve it).</param>
public sealed record OpenSetSettings(int Seed = 1, double UnknownFraction = 0.25, int TopK = 3, double? Threshold = null);
