using System.Numerics.Tensors;

namespace FaceIndex.Evaluation;

/// <summary>One face embedding with the identity it belongs to.</summary>
/// <param name="Identity">The person's label; any integer, equal labels mean the same person.</param>
/// <param name="Embedding">The face descriptor; all samples must have the same length.</param>
public sealed record IdentificationSample(int Identity, float[] Embedding);

/// <summary>How two embeddings are compared: both are distances, lower means more alike.</summary>
public enum EmbeddingMetric
{
    /// <summary>Euclidean (L2) distance, dlib's convention (same person below about 0.6).</summary>
    Euclidean,

    /// <summary>Cosine distance, 1 - cosine similarity.</summary>
    Cosine,
}

/// <summary>
/// A gallery/probe split for 1:N identification: each identity with two or more samples puts one sample in the gallery (chosen with
/// <c>new Random(Seed).Next(count)</c>, identities visited in ascending label order, samples in input order) and the rest in the mated
/// probes; each identity with a single sample becomes a non-mated probe (a distractor with no mate in the gallery).
/// </summary>
/// <param name="Seed">The seed of the gallery choice.</param>
/// <param name="Gallery">One sample per identity, in ascending identity order; a search result's id is an index into this list.</param>
/// <param name="MatedProbes">Probes whose identity is in the gallery, in input order.</param>
/// <param name="NonMatedProbes">Probes whose identity is not in the gallery, in input order.</param>
public sealed record IdentificationSplit(
    int Seed, IReadOnlyList<IdentificationSample> Gallery, IReadOnlyList<IdentificationSample> MatedProbes, IReadOnlyList<IdentificationSample> NonMatedProbes)
{
    /// <summary>Splits <paramref name="samples"/> by the rule above. System.Random with a seed gives the same sequence on every .NET version.</summary>
    public static IdentificationSplit Create(IReadOnlyList<IdentificationSample> samples, int seed)
    {
        ArgumentNullException.ThrowIfNull(samples);
        var byIdentity = samples.Select((s, i) => (s, i)).GroupBy(x => x.s.Identity).OrderBy(g => g.Key).ToList();
        var rng = new Random(seed);
        var gallery = new List<IdentificationSample>();
        var galleryInputIndex = new HashSet<int>();
        var singles = new HashSet<int>();
        foreach (var g in byIdentity)
        {
            var members = g.ToList();
            if (members.Count == 1)
            {
                singles.Add(members[0].i);
                continue;
            }

            var pick = members[rng.Next(members.Count)];
            gallery.Add(pick.s);
            galleryInputIndex.Add(pick.i);
        }

        var mated = new List<IdentificationSample>();
        var nonMated = new List<IdentificationSample>();
        for (var i = 0; i < samples.Count; i++)
        {
            if (singles.Contains(i))
            {
                nonMated.Add(samples[i]);
            }
            else if (!galleryInputIndex.Contains(i))
            {
                mated.Add(samples[i]);
            }
        }

        return new IdentificationSplit(seed, gallery, mated, nonMated);
    }
}

/// <summary>DIR at a FPIR (open-set FAR) target.</summary>
/// <param name="TargetFar">The FPIR asked for.</param>
/// <param name="Dir">Detection and identification rate: mated probes whose rank-1 candidate is their mate at a distance within the threshold, over all mated probes.</param>
/// <param name="AchievedFar">The FPIR reached: non-mated probes whose rank-1 distance is within the threshold, over all non-mated probes.</param>
/// <param name="Threshold">The distance threshold (accept rank-1 distance &lt;= it).</param>
public sealed record DirAtFar(double TargetFar, double Dir, double AchievedFar, double Threshold);

/// <summary>Closed- and open-set identification results; see <see cref="IdentificationMetrics.Evaluate"/>.</summary>
public sealed record IdentificationResult
{
    /// <summary>The gallery seed.</summary>
    public required int Seed { get; init; }

    /// <summary>The distance used by the exact search (ignored by a caller-supplied search).</summary>
    public required EmbeddingMetric Metric { get; init; }

    /// <summary>"exact" for brute force, or the caller's name for its search.</summary>
    public required string SearchName { get; init; }

    /// <summary>Gallery identities (= gallery samples).</summary>
    public required int GallerySize { get; init; }

    /// <summary>Probes with a mate in the gallery.</summary>
    public required int MatedProbeCount { get; init; }

    /// <summary>Probes without a mate (distractors).</summary>
    public required int NonMatedProbeCount { get; init; }

    /// <summary>CMC: element r - 1 is the fraction of mated probes whose mate is among the first r candidates, r = 1 .. min(max rank, gallery size).</summary>
    public required IReadOnlyList<double> Cmc { get; init; }

    /// <summary>CMC at rank 1.</summary>
    public required double Rank1 { get; init; }

    /// <summary>CMC at rank 5 (or at the last rank when the curve is shorter).</summary>
    public required double Rank5 { get; init; }

    /// <summary>CMC at rank 10 (or at the last rank when the curve is shorter).</summary>
    public required double Rank10 { get; init; }

    /// <summary>Open-set DIR at each FPIR target; empty when there are no non-mated probes.</summary>
    public required IReadOnlyList<DirAtFar> DirAtFar { get; init; }
}

/// <summary>1:N identification metrics from embeddings: CMC (closed set) and DIR@FPIR (open set), with exact or caller-supplied search.</summary>
public static class IdentificationMetrics
{
    /// <summary>
    /// Searches every probe in the gallery and computes the metrics.
    /// <list type="bullet">
    /// <item>Search: <paramref name="search"/>(probe, k) returns up to k (gallery index, distance) candidates, nearest first; null means exact
    /// brute force with <paramref name="metric"/>, ties broken by lower gallery index. A mate absent from the k returned has no rank.</item>
    /// <item>CMC(r): fraction of mated probes whose mate is at position &lt;= r; k = min(<paramref name="maxRank"/>, gallery size).</item>
    /// <item>DIR@FPIR (as in IJB-C / NIST FRVT 1:N): every probe keeps only its rank-1 candidate and distance. The threshold is the most lenient
    /// observed rank-1 distance such that the fraction of non-mated probes at or within it is &lt;= the target (no interpolation); DIR is the
    /// fraction of all mated probes whose rank-1 is their mate and within the threshold.</item>
    /// </list>
    /// </summary>
    /// <exception cref="FaceIndexException">Empty gallery or no mated probe, embeddings of different lengths, or a search returning a bad id.</exception>
    public static IdentificationResult Evaluate(
        IdentificationSplit split,
        EmbeddingMetric metric = EmbeddingMetric.Euclidean,
        Func<float[], int, IReadOnlyList<(int id, float dist)>>? search = null,
        string? searchName = null,
        int maxRank = 20,
        IReadOnlyList<double>? farTargets = null)
    {
        ArgumentNullException.ThrowIfNull(split);
        ArgumentOutOfRangeException.ThrowIfLessThan(maxRank, 1);
        var gallery = split.Gallery;
        if (gallery.Count == 0 || split.MatedProbes.Count == 0)
        {
            throw new FaceIndexException(
                $"identification needs identities with at least two images; the split has {gallery.Count} gallery and {split.MatedProbes.Count} mated probe images");
        }

        var dim = gallery[0].Embedding.Length;
        foreach (var s in gallery.Concat(split.MatedProbes).Concat(split.NonMatedProbes))
        {
            if (s.Embedding.Length != dim)
            {
                throw new FaceIndexException($"identity {s.Identity} has an embedding of length {s.Embedding.Length}, others have {dim}; embed all images with one model");
            }
        }

        search ??= ExactSearch(gallery, metric);
        var k = Math.Min(maxRank, gallery.Count);
        var hits = new int[k];
        var genuine = new List<double>(); // similarity = -distance of rank-1 candidates that are the mate; -Infinity otherwise
        foreach (var probe in split.MatedProbes)
        {
            var result = Checked(search(probe.Embedding, k), gallery.Count);
            var limit = Math.Min(k, result.Count);
            for (var r = 0; r < limit; r++)
            {
                if (gallery[result[r].id].Identity == probe.Identity)
                {
                    hits[r]++;
                    break;
                }
            }

            genuine.Add(result.Count > 0 && gallery[result[0].id].Identity == probe.Identity ? -result[0].dist : double.NegativeInfinity);
        }

        var cmc = new double[k];
        var cumulative = 0;
        for (var r = 0; r < k; r++)
        {
            cumulative += hits[r];
            cmc[r] = (double)cumulative / split.MatedProbes.Count;
        }

        var dir = new List<DirAtFar>();
        if (split.NonMatedProbes.Count > 0)
        {
            var impostor = split.NonMatedProbes
                .Select(p => Checked(search(p.Embedding, 1), gallery.Count))
                .Select(r => r.Count > 0 ? -(double)r[0].dist : double.NegativeInfinity)
                .ToList();
            var roc = Roc.Build(genuine, impostor, s => -s);
            foreach (var target in farTargets ?? VerificationMetrics.DefaultFarTargets)
            {
                var p = Roc.AtFar(roc, target);
                dir.Add(new DirAtFar(target, p.Tar, p.AchievedFar, p.Threshold));
            }
        }

        return new IdentificationResult
        {
            Seed = split.Seed,
            Metric = metric,
            SearchName = searchName ?? "exact",
            GallerySize = gallery.Count,
            MatedProbeCount = split.MatedProbes.Count,
            NonMatedProbeCount = split.NonMatedProbes.Count,
            Cmc = cmc,
            Rank1 = cmc[0],
            Rank5 = cmc[Math.Min(5, k) - 1],
            Rank10 = cmc[Math.Min(10, k) - 1],
            DirAtFar = dir,
        };
    }

    /// <summary>The distance between two embeddings by <paramref name="metric"/> (TensorPrimitives, float accumulation).</summary>
    public static float Distance(ReadOnlySpan<float> a, ReadOnlySpan<float> b, EmbeddingMetric metric) => metric switch
    {
        EmbeddingMetric.Euclidean => TensorPrimitives.Distance(a, b),
        EmbeddingMetric.Cosine => 1f - TensorPrimitives.CosineSimilarity(a, b),
        _ => throw new ArgumentOutOfRangeException(nameof(metric)),
    };

    /// <summary>Brute-force k-nearest search over <paramref name="gallery"/>: exact, nearest first, ties by lower gallery index.</summary>
    public static Func<float[], int, IReadOnlyList<(int id, float dist)>> ExactSearch(IReadOnlyList<IdentificationSample> gallery, EmbeddingMetric metric)
    {
        ArgumentNullException.ThrowIfNull(gallery);
        return (probe, k) =>
        {
            k = Math.Min(k, gallery.Count);
            var top = new List<(int id, float dist)>(k + 1);
            for (var i = 0; i < gallery.Count; i++)
            {
                var d = Distance(probe, gallery[i].Embedding, metric);
                if (top.Count == k && d >= top[^1].dist)
                {
                    continue; // not strictly nearer than the current k-th: a tie keeps the lower index already held
                }

                var at = top.Count;
                while (at > 0 && top[at - 1].dist > d)
                {
                    at--;
                }

                top.Insert(at, (i, d));
                if (top.Count > k)
                {
                    top.RemoveAt(k);
                }
            }

            return top;
        };
    }

    private static IReadOnlyList<(int id, float dist)> Checked(IReadOnlyList<(int id, float dist)> result, int gallerySize)
    {
        foreach (var (id, _) in result)
        {
            if ((uint)id >= (uint)gallerySize)
            {
                throw new FaceIndexException($"the search returned gallery id {id}, outside 0..{gallerySize - 1}; it must return indices into IdentificationSplit.Gallery");
            }
        }

        return result;
    }
}
