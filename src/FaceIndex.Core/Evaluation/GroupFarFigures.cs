namespace FaceIndex.Evaluation;

/// <summary>The figures of one group at one FAR target.</summary>
/// <param name="TargetFar">The FAR target.</param>
/// <param name="GlobalThreshold">The threshold fitted on all pairs at that FAR.</param>
/// <param name="FarAtGlobal">The FAR this group actually gets at the global threshold (the fairness figure).</param>
/// <param name="TarAtGlobal">Its TAR at the global threshold.</param>
/// <param name="OwnThreshold">The threshold fitted on this group's impostors alone (NaN when too few).</param>
/// <param name="TarAtOwn">Its TAR at its own threshold, with a bootstrap interval.</param>
public sealed record GroupFarFigures(double TargetFar, double GlobalThreshold, RateCi FarAtGlobal, RateCi TarAtGlobal, double OwnThreshold, RateCi TarAtOwn);
