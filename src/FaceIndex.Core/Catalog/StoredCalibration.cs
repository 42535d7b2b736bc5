namespace FaceIndex.Catalog;

/// <summary>A stored calibration: the threshold in force for its scope and the full result as JSON.</summary>
/// <param name="Id">Row id (calibrations are never overwritten; the latest of a scope is in force).</param>
/// <param name="ModelId">The embedder model the threshold applies to.</param>
/// <param name="Dataset">The dataset it applies to, or null for every dataset of the model.</param>
/// <param name="Threshold">The distance threshold in force (same person below it).</param>
/// <param name="Chosen">Which calibrated point it is: "far 0.001" or "accuracy".</param>
/// <param name="Source">What it was fitted on (a dataset or a pairs file).</param>
/// <param name="CreatedAt">When it was stored (UTC).</param>
/// <param name="DetailsJson">The whole calibration result (every point, intervals, pair counts, settings) as JSON.</param>
public sealed record StoredCalibration(long Id, string ModelId, string? Dataset, double Threshold, string Chosen, string Source, DateTimeOffset CreatedAt, string DetailsJson);
