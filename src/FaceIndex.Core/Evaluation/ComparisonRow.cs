namespace FaceIndex.Evaluation;

/// <summary>One configuration's outcome in a comparison, with its d'.</summary>
public sealed record ComparisonRow(ComparisonConfiguration Configuration, VerificationOutcome Outcome, double DPrime)
{
    /// <summary>The configuration's label.</summary>
    public string Label => Configuration.Label;
}
