namespace FaceIndex.Calibration;

/// <summary>A same-person distance threshold (same when distance &lt; it), where it came from, and a sentence that says so.</summary>
/// <param name="Value">The distance threshold.</param>
/// <param name="Origin">Where it came from.</param>
/// <param name="Description">One line for outputs, e.g. "0.5412, calibrated for dlib_resnet_v1 (far 0.001 on pairs file master.csv, 2026-12-05 17:20 UTC, #3)".</param>
/// <param name="CalibrationId">The calibration's row id, when it came from one.</param>
public sealed record ResolvedThreshold(double Value, ThresholdOrigin Origin, string Description, long? CalibrationId = null);
