using System.Numerics.Tensors;
using FaceIndex.Search;

namespace FaceIndex.Evaluation;

/// <summary>
/// Open-set identification with identity templates. Protocol: identities in ascending label order are shuffled (Fisher-Yates,
/// <c>new Random(seed)</c>) and the first round(fraction x identities) (at least one) are held out as unknown people; every face of the
/// others is enrolled. Each enrolled face of an identity with two or more faces is a mated probe, searched against the gallery without
/// itself (leave one out); each face of a held-out identity is a non-mated probe. Identities are scored by <see cref="IdentityGallery.Score"/>.
/// </summary>
public static class OpenSetIdentification
{
    /// <summary>Evaluates each template on the same split.</summary>
    /// <exception cref="FaceIndexException">Fewer than two identities, or no enrolled identity with two faces.</exception>
    public static IReadOnlyList<OpenSetResult> Evaluate(
        IReadOnlyList<IdentificationSample> samples, IReadOnlyList<IdentityTemplate> templates, double threshold, int seed = 1, double unknownFraction = 0.25, int topK = 3, IReadOnlyList<double>? fpirTargets = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(templates);
        var identities = samples.Select(s => s.Identity).Distinct().Order().ToArray();
        if (identities.Length < 2)
        {
            throw new FaceIndexException($"open-set identification needs at least two identities (one to hold out); the dataset has {identities.Length}");
        }

        var rng = new Random(seed);
        for (var i = identities.Length - 1; i > 0; i--)
        {
            var j = rng.Next(i + 1);
            (identities[i], identities[j]) = (identities[j], identities[i]);
        }

        var unknownCount = Math.Clamp((int)Math.Round(unknownFraction * identities.Length), 1, identities.Length - 1);
        return Evaluate(samples, templates, threshold, identities.Take(unknownCount).ToHashSet(), topK, fpirTargets);
    }

    /// <summary>Evaluates each template with the given identities held out as unknown people (the rest enrolled).</summary>
    public static IReadOnlyList<OpenSetResult> Evaluate(
        IReadOnlyList<IdentificationSample> samples, IReadOnlyList<IdentityTemplate> templates, double threshold, IReadOnlySet<int> unknown, int topK = 3, IReadOnlyList<double>? fpirTargets = null)
    {
        ArgumentNullException.ThrowIfNull(samples);
        ArgumentNullException.ThrowIfNull(templates);
        ArgumentNullException.ThrowIfNull(unknown);
        var gallery = samples.Where(s => !unknown.Contains(s.Identity)).ToList();
        var byIdentity = gallery.Select((s, i) => (s, i)).GroupBy(x => x.s.Identity).OrderBy(g => g.Key).ToList();
        var counts = byIdentity.ToDictionary(g => g.Key, g => g.Count());
        var mated = gallery.Select((s, i) => (s, i)).Where(x => counts[x.s.Identity] > 1).ToList();
        var nonMated = samples.Where(s => unknown.Contains(s.Identity)).ToList();
        if (mated.Count == 0)
        {
            throw new FaceIndexException("no enrolled identity has two or more faces, so there is no mated probe; use a dataset with several photos per person");
        }

        var scorer = new Scorer(gallery, byIdentity);
        var results = new List<OpenSetResult>();
        foreach (var template in templates)
        {
            // Rank-1 score of every probe, and the mate's rank for mated ones.
            var genuine = new List<double>(); // -score when rank-1 is the mate, else -Infinity (never a correct detection)
            var impostor = new List<double>();
            int r1 = 0, r5 = 0;
            var probes = new List<ProbeOutcome>(mated.Count + nonMated.Count);
            foreach (var (probe, index) in mated)
            {
                var ranked = scorer.Scores(probe.Embedding, template, topK, index);
                var rank = ranked.FindIndex(x => x.Identity == probe.Identity);
                probes.Add(new ProbeOutcome(probe.Identity, true, rank + 1, ranked[0].Identity, ranked[0].Score));
                r1 += rank == 0 ? 1 : 0;
                r5 += rank is >= 0 and < 5 ? 1 : 0;
                genuine.Add(rank == 0 ? -ranked[0].Score : double.NegativeInfinity);
            }

            foreach (var probe in nonMated)
            {
                var top = scorer.Scores(probe.Embedding, template, topK, -1)[0];
                impostor.Add(-top.Score);
                probes.Add(new ProbeOutcome(probe.Identity, false, 0, top.Identity, top.Score));
            }

            var det = new List<DetPoint>();
            var fnirAt = new List<FnirAtFpir>();
            if (impostor.Count > 0)
            {
                var roc = Roc.Build(genuine, impostor, s => -s);
                det.AddRange(roc.Select(p => new DetPoint(p.Far, 1 - p.Tar, p.Threshold)));
                foreach (var target in fpirTargets ?? VerificationMetrics.DefaultFarTargets)
                {
                    var p = Roc.AtFar(roc, target);
                    var note = impostor.Count * target < 1 - 1e-9
                        ? FormattableString.Invariant($"too few non-mated probes ({impostor.Count}) for FPIR {target:G}: needs at least {Math.Ceiling(1 / target):N0}")
                        : null;
                    fnirAt.Add(new FnirAtFpir(target, 1 - p.Tar, p.AchievedFar, p.Threshold, note));
                }
            }

            var fpir = impostor.Count == 0 ? double.NaN : impostor.Count(s => -s < threshold) / (double)impostor.Count;
            var fnir = 1 - (genuine.Count(s => -s < threshold) / (double)genuine.Count);
            results.Add(new OpenSetResult
            {
                Template = template,
                TopK = topK,
                GalleryIdentities = byIdentity.Count,
                GalleryFaces = gallery.Count,
                MatedProbes = mated.Count,
                NonMatedProbes = nonMated.Count,
                Rank1 = (double)r1 / mated.Count,
                Rank5 = (double)r5 / mated.Count,
                Det = det,
                AtThreshold = new DetPoint(fpir, fnir, threshold),
                FnirAtFpir = fnirAt,
                Probes = probes,
            });
        }

        return results;
    }

    /// <summary>
    /// Scores every gallery identity for a probe, measuring each gallery face once per probe (the same scores as
    /// <see cref="IdentityGallery.Score"/>; a left-out face's identity gets its mean from the sum without it).
    /// </summary>
    private sealed class Scorer
    {
        private readonly List<IdentificationSample> _gallery;
        private readonly int[] _labels;
        private readonly int[][] _members;
        private readonly float[][] _sums;
        private readonly float[] _distances;
        private readonly float[] _buffer;

        public Scorer(List<IdentificationSample> gallery, List<IGrouping<int, (IdentificationSample s, int i)>> byIdentity)
        {
            _gallery = gallery;
            _labels = [.. byIdentity.Select(g => g.Key)];
            _members = [.. byIdentity.Select(g => g.Select(x => x.i).ToArray())];
            _sums = [.. byIdentity.Select(g =>
            {
                var sum = new float[gallery[0].Embedding.Length];
                foreach (var (sample, _) in g)
                {
                    TensorPrimitives.Add(sum, sample.Embedding, sum);
                }

                return sum;
            })];
            _distances = new float[gallery.Count];
            _buffer = new float[_members.Max(m => m.Length)];
        }

        /// <summary>Every identity's score, nearest first (ties by lower label); the gallery face at <paramref name="exclude"/> is left out.</summary>
        public List<(int Identity, float Score)> Scores(float[] probe, IdentityTemplate template, int topK, int exclude)
        {
            for (var i = 0; i < _gallery.Count; i++)
            {
                _distances[i] = FaceDistance.Euclidean(probe, _gallery[i].Embedding);
            }

            var scores = new List<(int Identity, float Score)>(_labels.Length);
            var mean = new float[probe.Length];
            for (var k = 0; k < _labels.Length; k++)
            {
                var n = 0;
                var excluded = false;
                foreach (var i in _members[k])
                {
                    if (i == exclude)
                    {
                        excluded = true;
                        continue;
                    }

                    _buffer[n++] = _distances[i];
                }

                if (n == 0)
                {
                    continue;
                }

                float score;
                if (template == IdentityTemplate.Mean)
                {
                    if (excluded)
                    {
                        TensorPrimitives.Subtract(_sums[k], _gallery[exclude].Embedding, mean);
                    }
                    else
                    {
                        _sums[k].CopyTo(mean, 0);
                    }

                    TensorPrimitives.Divide(mean, n, mean);
                    score = FaceDistance.Euclidean(probe, mean);
                }
                else
                {
                    var span = _buffer.AsSpan(0, n);
                    span.Sort();
                    var take = template == IdentityTemplate.Max ? 1 : Math.Min(topK, n);
                    score = TensorPrimitives.Sum<float>(span[..take]) / take;
                }

                scores.Add((_labels[k], score));
            }

            scores.Sort((a, b) => a.Score != b.Score ? a.Score.CompareTo(b.Score) : a.Identity.CompareTo(b.Identity));
            return scores;
        }
    }
}
