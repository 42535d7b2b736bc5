using System.Globalization;
using System.Text;
using FaceIndex.Search;

namespace FaceIndex.Evaluation;

/// <summary>Per-group identification: a probe belongs to its identity's group; rates get Wilson intervals or say they rest on too few probes.</summary>
public static class GroupIdentification
{
    /// <summary>Figures per group for one template's probes.</summary>
    public static IReadOnlyList<GroupIdentificationFigures> Evaluate(OpenSetResult result, Func<int, string?> groupOf, double threshold, int minimumProbes = 10)
    {
        ArgumentNullException.ThrowIfNull(result);
        ArgumentNullException.ThrowIfNull(groupOf);
        return [.. result.Probes.GroupBy(p => groupOf(p.Identity) ?? GroupVerification.NoGroup, StringComparer.Ordinal).OrderBy(g => g.Key == GroupVerification.NoGroup).ThenBy(g => g.Key, StringComparer.Ordinal).Select(g =>
        {
            var mated = g.Where(p => p.Mated).ToList();
            var nonMated = g.Where(p => !p.Mated).ToList();
            var hits = mated.Count(p => p.MateRank == 1);
            var detected = mated.Count(p => p.MateRank == 1 && p.Rank1Score < threshold);
            return new GroupIdentificationFigures(
                g.Key, mated.Count, nonMated.Count,
                RateCi.Wilson(hits, mated.Count, minimumProbes, "mated probes"),
                RateCi.Wilson(mated.Count - detected, mated.Count, minimumProbes, "mated probes"),
                RateCi.Wilson(nonMated.Count(p => p.Rank1Score < threshold), nonMated.Count, minimumProbes, "non-mated probes"));
        })];
    }

    /// <summary>The report section.</summary>
    public static string ToMarkdown(IReadOnlyList<GroupIdentificationFigures> groups, IdentityTemplate template, double threshold)
    {
        ArgumentNullException.ThrowIfNull(groups);
        var md = new StringBuilder(string.Create(CultureInfo.InvariantCulture, $"\n## Identification per group ({template.ToString().ToLowerInvariant()} template, threshold {threshold:0.####})\n\n"));
        md.Append("A probe counts for its identity's group. Wilson 95% intervals; a rate on fewer than 10 probes is not given.\n\n| group | mated probes | non-mated probes | rank-1 | FNIR | FPIR |\n|---|---|---|---|---|---|\n");
        foreach (var g in groups)
        {
            md.Append(CultureInfo.InvariantCulture, $"| {g.Group} | {g.MatedProbes} | {g.NonMatedProbes} | {g.Rank1} | {g.Fnir} | {g.Fpir} |\n");
        }

        return md.ToString();
    }
}
