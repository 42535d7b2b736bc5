using FaceIndex.Calibration;

namespace FaceIndex.Evaluation;

/// <summary>An open-set run: the threshold it was read at, and one result per template.</summary>
/// <param name="Settings">The settings.</param>
/// <param name="Threshold">The threshold the open-set figures are read at.</param>
/// <param name="Results">One per template.</param>
/// <param name="Identities">Identity names by label (a probe's identity is an index into it).</param>
public sealed record OpenSetOutcome(OpenSetSettings Settings, ResolvedThreshold Threshold, IReadOnlyList<OpenSetResult> Results, IReadOnlyList<string> Identities);
