namespace FaceIndex.Evaluation;

/// <summary>One line of a comparison table: what every configuration (and the fusion) scored.</summary>
public sealed record ComparisonLine(
    string Label,
    string ModelId,
    string Alignment,
    string Metric,
    double Accuracy,
    double AccuracySd,
    double Auc,
    double Eer,
    double DPrime,
    double TarAtFar1e3,
    int MissingPairs);
