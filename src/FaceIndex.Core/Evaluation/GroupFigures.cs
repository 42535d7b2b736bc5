namespace FaceIndex.Evaluation;

/// <summary>One group's verification figures (or the pairs across groups, reported apart).</summary>
/// <param name="Group">The group's name; "(across groups)" for pairs whose images are in different groups, "(no group)" for unmapped ones.</param>
/// <param name="Pairs">Pairs with a score.</param>
/// <param name="Genuine">Same-person pairs.</param>
/// <param name="Impostor">Different-person pairs.</param>
/// <param name="Accuracy">Accuracy at the global accuracy-maximising threshold.</param>
/// <param name="AtFar">Figures at each FAR target.</param>
public sealed record GroupFigures(string Group, int Pairs, int Genuine, int Impostor, RateCi Accuracy, IReadOnlyList<GroupFarFigures> AtFar);
