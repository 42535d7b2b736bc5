using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Numerics.Tensors;
using FaceIndex.Catalog;
using FaceIndex.Clustering;
using FaceIndex.Imaging;
using FaceIndex.Search;

namespace FaceIndex.Audit;

/// <summary>
/// Audits a dataset of the catalog: duplicates, probably mislabelled faces, identities holding two people, two
/// identities of one person, wrong subjects, outliers, low-quality faces, and people shared with another dataset.
/// Neighbours come from the face index (one search per face), never from all pairs; comparisons inside an identity
/// are bounded by <see cref="AuditOptions.MaxMembers"/>. Distance thresholds are calibrated on the dataset's own
/// same- and different-identity pairs (see <see cref="AuditCalibration"/>).
/// </summary>
public static class DatasetAuditor
{
    /// <summary>Audits <see cref="AuditOptions.Dataset"/>; <paramref name="datasetRoot"/> finds image files for the sharpness part (null: not measured).</summary>
    public static AuditResult Run(
        FaceCatalog catalog,
        FaceSearchIndex index,
        AuditOptions options,
        Func<string, string?>? datasetRoot = null,
        IProgress<string>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(catalog);
        ArgumentNullException.ThrowIfNull(index);
        ArgumentNullException.ThrowIfNull(options);
        var seconds = new Dictionary<string, double>(StringComparer.Ordinal);
        var clock = Stopwatch.StartNew();
        void Lap(string stage)
        {
            seconds[stage] = Math.Round(clock.Elapsed.TotalSeconds, 3);
            clock.Restart();
        }

        progress?.Report("reading the catalog");
        var faces = catalog.DatasetFaces(options.Dataset, index.ModelId).Where(f => f.Face.Embedding is not null).ToList();
        if (faces.Count == 0)
        {
            throw new FaceIndexException($"the dataset '{options.Dataset}' has no faces embedded with {index.ModelId} to audit: index it first ('faceindex index DIR --dataset {options.Dataset}')");
        }

        var data = new Data(faces);
        Lap("read");

        progress?.Report($"nearest {options.Neighbours} faces of each of {faces.Count:N0} faces, from the face index");
        var memberOf = faces.Select((f, i) => (f.Face.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var graph = KnnGraph.Build(index, data.Vectors, [.. faces.Select(f => f.Face.Id)], memberOf, options.Neighbours, options.Threads > 0 ? options.Threads : Environment.ProcessorCount, null, cancellationToken);
        Lap("neighbours");

        var calibration = Calibrate(data, options, LibraryModels.DefaultDistance(catalog.Library, index.ModelId));
        Lap("calibration");

        var findings = new List<AuditFinding>();
        progress?.Report("duplicates");
        findings.AddRange(Duplicates(data, graph, calibration));
        progress?.Report("identities split in two, mislabelled faces, outliers");
        var split = Splits(data, calibration, options);
        findings.AddRange(split.Findings);
        findings.AddRange(Mislabelled(data, graph, calibration, options, split.Identities));
        findings.AddRange(TwoLabelsOnePerson(data, graph, calibration, options));
        findings.AddRange(WrongSubjects(data, calibration, options));
        findings.AddRange(Outliers(data, calibration, findings, split.Identities));
        Lap("label checks");
        progress?.Report("quality");
        findings.AddRange(LowQuality(data, options, datasetRoot, cancellationToken));
        Lap("quality");
        if (options.Against is { } against)
        {
            progress?.Report($"people shared with {against}");
            findings.AddRange(Overlap(catalog, index, data, against, calibration, options, cancellationToken));
            Lap("overlap");
        }

        var sorted = findings
            .OrderByDescending(f => f.Confidence)
            .ThenBy(f => f.Kind)
            .ThenBy(f => f.Faces.Count == 0 ? 0 : f.Faces[0].FaceId)
            .ToList();
        return new AuditResult(options, faces.Count, data.Labelled.Count, data.Identities.Count, calibration, sorted, seconds, DateTimeOffset.UtcNow) { ModelId = index.ModelId };
    }

    /// <summary>Sorted same- and different-identity distances of seeded pair samples, and the thresholds from them.</summary>
    /// <param name="fallback">The model's own same-person distance, used when the dataset has too few labelled pairs (dlib's 0.6 for dlib's network).</param>
    internal static AuditCalibration Calibrate(Data data, AuditOptions options, double? fallback = null)
    {
        var random = new Random(options.Seed);
        var same = new List<float>();
        var perIdentity = Math.Max(10, options.PairSamples / Math.Max(1, data.Identities.Count(g => g.Value.Count > 1)));
        foreach (var members in data.Identities.Values.Where(m => m.Count > 1))
        {
            var all = members.Count * (members.Count - 1) / 2;
            if (all <= perIdentity)
            {
                for (var a = 0; a < members.Count; a++)
                {
                    for (var b = a + 1; b < members.Count; b++)
                    {
                        same.Add(data.Distance(members[a], members[b]));
                    }
                }
            }
            else
            {
                for (var s = 0; s < perIdentity; s++)
                {
                    var a = random.Next(members.Count);
                    var b = random.Next(members.Count - 1);
                    same.Add(data.Distance(members[a], members[b >= a ? b + 1 : b]));
                }
            }
        }

        var different = new List<float>();
        if (data.Identities.Count > 1)
        {
            for (var tries = 0; different.Count < options.PairSamples && tries < options.PairSamples * 4; tries++)
            {
                var a = data.Labelled[random.Next(data.Labelled.Count)];
                var b = data.Labelled[random.Next(data.Labelled.Count)];
                if (!string.Equals(data.Identity(a), data.Identity(b), StringComparison.Ordinal))
                {
                    different.Add(data.Distance(a, b));
                }
            }
        }

        same.Sort();
        different.Sort();
        double P(List<float> sorted, double q, double fallback) => sorted.Count == 0 ? fallback : sorted[Math.Clamp((int)Math.Floor(q * (sorted.Count - 1)), 0, sorted.Count - 1)];
        string how;
        double threshold;
        if (options.SameThreshold is { } given)
        {
            threshold = given;
            how = "same-person threshold given by the caller";
        }
        else if (same.Count >= 10 && different.Count >= 10)
        {
            threshold = BalancedThreshold(same, different);
            how = string.Create(CultureInfo.InvariantCulture, $"same-person threshold where the sampled false-reject and false-accept rates sum lowest ({same.Count:N0} same-identity and {different.Count:N0} different-identity pairs, seed {options.Seed})");
        }
        else
        {
            threshold = fallback ?? FaceDistance.SameThreshold;
            how = string.Create(CultureInfo.InvariantCulture, $"too few labelled pairs to calibrate ({same.Count} same-identity): the model's same-person threshold {threshold:0.####}");
        }

        // From the median, not the low tail: the duplicates being looked for sit in the low tail themselves.
        if (same.Count == 0 || different.Count == 0)
        {
            how += "; no labelled pairs of one kind, so its percentiles are dlib-typical defaults (same: P5 0.3, P50 0.4; different: P50 0.9)";
        }

        var duplicate = options.DuplicateThreshold ?? Math.Clamp(0.4 * P(same, 0.5, 0.5), 0.05, 0.2);
        how += options.DuplicateThreshold is null ? "; same-photo threshold: 0.4 x the median same-identity distance, kept within [0.05, 0.2] (a 60% resize of a photo measured 0.14-0.15, the closest different photos of one person about 0.2)" : "; same-photo threshold given by the caller";
        return new AuditCalibration(
            same.Count, different.Count,
            P(same, 0.05, 0.3), P(same, 0.5, 0.4), P(same, 0.95, threshold), P(same, 0.99, threshold),
            P(different, 0.01, threshold), P(different, 0.05, threshold), P(different, 0.5, 0.9),
            Math.Round(threshold, 4), Math.Round(duplicate, 4), options.Margin, how);
    }

    private static double BalancedThreshold(List<float> same, List<float> different)
    {
        // Sweep every candidate: errors(t) = same pairs at or above t (rejected) / |same| + different pairs below t (accepted) / |different|.
        var best = FaceDistance.SameThreshold;
        var bestError = double.MaxValue;
        var candidates = same.Concat(different).Distinct().Order().ToList();
        int s = 0, d = 0;
        foreach (var t in candidates)
        {
            while (s < same.Count && same[s] < t)
            {
                s++;
            }

            while (d < different.Count && different[d] < t)
            {
                d++;
            }

            var error = ((same.Count - s) / (double)same.Count) + (d / (double)different.Count);
            if (error < bestError)
            {
                bestError = error;
                best = t;
            }
        }

        return best;
    }

    private static IEnumerable<AuditFinding> Duplicates(Data data, KnnGraph graph, AuditCalibration c)
    {
        var byImage = new HashSet<long>();

        // The same file: one finding per SHA-256 seen on several images.
        foreach (var group in data.Faces.Select((f, i) => (f, i)).Where(x => x.f.Sha256 is not null && x.f.Face.IsSubject)
                     .GroupBy(x => Convert.ToHexStringLower(x.f.Sha256!)).Where(g => g.Select(x => x.f.Face.ImageId).Distinct().Count() > 1))
        {
            var members = group.Select(x => x.i).ToList();
            var labels = members.Select(data.Identity).Distinct(StringComparer.Ordinal).ToList();
            foreach (var m in members)
            {
                byImage.Add(data.Faces[m].Face.ImageId);
            }

            yield return new AuditFinding(
                AuditKind.Duplicate, 1.0,
                $"the same file (sha256 {group.Key[..12]}…) is in the dataset {members.Count} times{LabelNote(labels)}",
                [.. members.Select(data.Face)],
                new Dictionary<string, double> { ["copies"] = members.Count, ["labels"] = labels.Count, ["distance"] = 0 },
                labels.Count > 1 ? string.Join(" / ", labels) : null);
        }

        // The same photo re-encoded, resized or cropped: neighbours closer than any two photos of one person.
        var parent = Enumerable.Range(0, data.Faces.Count).ToArray();
        int Find(int x) => parent[x] == x ? x : parent[x] = Find(parent[x]);
        var closest = new Dictionary<(int, int), float>();
        for (var i = 0; i < graph.Count; i++)
        {
            for (var j = 0; j < graph.Neighbours[i].Length; j++)
            {
                var n = graph.Neighbours[i][j];
                if (graph.Distances[i][j] < c.DuplicateThreshold && data.Faces[n].Face.ImageId != data.Faces[i].Face.ImageId)
                {
                    parent[Find(i)] = Find(n);
                    closest[(Math.Min(i, n), Math.Max(i, n))] = graph.Distances[i][j];
                }
            }
        }

        foreach (var component in closest.Keys.SelectMany(k => new[] { k.Item1, k.Item2 }).Distinct().GroupBy(Find))
        {
            var members = component.OrderBy(m => data.Faces[m].Face.Id).ToList();
            if (members.All(m => byImage.Contains(data.Faces[m].Face.ImageId)))
            {
                continue;
            }

            var edges = closest.Where(kv => Find(kv.Key.Item1) == component.Key).Select(kv => kv.Value).ToList();
            var labels = members.Select(data.Identity).Distinct(StringComparer.Ordinal).ToList();
            var max = edges.Max();
            yield return new AuditFinding(
                AuditKind.Duplicate,
                Math.Round(0.5 + (0.5 * (1 - (max / c.DuplicateThreshold))), 4),
                string.Create(CultureInfo.InvariantCulture, $"the same photo {members.Count} times (re-encoded, resized or cropped): faces {max:F3} apart, below the same-photo threshold {c.DuplicateThreshold:F3}{LabelNote(labels)}"),
                [.. members.Select(data.Face)],
                new Dictionary<string, double> { ["maxDistance"] = max, ["minDistance"] = edges.Min(), ["duplicateThreshold"] = c.DuplicateThreshold, ["labels"] = labels.Count },
                labels.Count > 1 ? string.Join(" / ", labels) : null);
        }
    }

    private static string LabelNote(List<string> labels) =>
        labels.Count > 1 ? $", under different labels ({string.Join(", ", labels)})" : labels.Count == 1 && labels[0].Length > 0 ? $", all labelled {labels[0]}" : string.Empty;

    private static (List<AuditFinding> Findings, HashSet<string> Identities) Splits(Data data, AuditCalibration c, AuditOptions o)
    {
        var findings = new List<AuditFinding>();
        var split = new HashSet<string>(StringComparer.Ordinal);
        foreach (var (identity, all) in data.Identities.Where(kv => kv.Value.Count >= 2 * o.MinGroup))
        {
            var members = Data.Sample(all, o.MaxMembers, o.Seed);
            var (a, b) = TwoGroups(data, members);
            if (Math.Min(a.Count, b.Count) < o.MinGroup)
            {
                continue;
            }

            var inter = MeanCross(data, a, b);
            var intra = Math.Max(MeanWithin(data, a), MeanWithin(data, b));
            if (inter <= c.SameThreshold || inter - intra < 2 * c.Margin)
            {
                continue;
            }

            split.Add(identity);
            var (small, large) = a.Count <= b.Count ? (a, b) : (b, a);
            findings.Add(new AuditFinding(
                AuditKind.OneLabelTwoPeople,
                Math.Round(Math.Clamp((inter - intra) / inter, 0, 1), 4),
                string.Create(CultureInfo.InvariantCulture, $"{identity}: its faces form two groups ({large.Count} and {small.Count}) {inter:F3} apart on average, while each group holds together within {intra:F3} (same person below {c.SameThreshold:F3})"),
                [.. small.Select(data.Face), .. large.Take(6).Select(data.Face)],
                new Dictionary<string, double> { ["betweenGroups"] = inter, ["withinGroups"] = intra, ["smallGroup"] = small.Count, ["largeGroup"] = large.Count, ["sameThreshold"] = c.SameThreshold }));
        }

        return (findings, split);
    }

    /// <summary>Average-linkage agglomeration of a small set down to two groups.</summary>
    private static (List<int> A, List<int> B) TwoGroups(Data data, List<int> members)
    {
        var n = members.Count;
        var d = new double[n, n];
        for (var i = 0; i < n; i++)
        {
            for (var j = i + 1; j < n; j++)
            {
                d[i, j] = d[j, i] = data.Distance(members[i], members[j]);
            }
        }

        var ids = Enumerable.Range(0, n).Select(i => new List<int> { i }).ToList();
        while (ids.Count > 2)
        {
            var (bi, bj, best) = (0, 1, double.MaxValue);
            for (var i = 0; i < ids.Count; i++)
            {
                for (var j = i + 1; j < ids.Count; j++)
                {
                    double sum = 0;
                    foreach (var x in ids[i])
                    {
                        foreach (var y in ids[j])
                        {
                            sum += d[x, y];
                        }
                    }

                    var avg = sum / (ids[i].Count * ids[j].Count);
                    if (avg < best)
                    {
                        (bi, bj, best) = (i, j, avg);
                    }
                }
            }

            ids[bi].AddRange(ids[bj]);
            ids.RemoveAt(bj);
        }

        return ([.. ids[0].Select(i => members[i])], [.. ids[1].Select(i => members[i])]);
    }

    private static IEnumerable<AuditFinding> Mislabelled(Data data, KnnGraph graph, AuditCalibration c, AuditOptions o, HashSet<string> split)
    {
        foreach (var f in data.Labelled)
        {
            var identity = data.Identity(f);
            var own = data.Identities[identity].Where(m => m != f).ToList();
            if (own.Count == 0 || split.Contains(identity))
            {
                continue;
            }

            var ownMedian = data.MedianDistance(f, own, o.MaxMembers, o.Seed);
            if (ownMedian <= c.SameThreshold)
            {
                continue;
            }

            var best = BestOtherIdentity(data, graph, f, identity, o, c.DuplicateThreshold);
            if (best is not { } other || other.Median >= c.SameThreshold || ownMedian - other.Median < c.Margin)
            {
                continue;
            }

            yield return new AuditFinding(
                AuditKind.Mislabelled,
                Math.Round(Math.Clamp((ownMedian - other.Median) / ownMedian * 1.5, 0, 1), 4),
                string.Create(CultureInfo.InvariantCulture, $"labelled {identity} but {ownMedian:F3} from its {own.Count} other face(s) (median) and {other.Median:F3} from {other.Identity}'s {data.Identities[other.Identity].Count}: probably {other.Identity}"),
                [data.Face(f), .. data.Identities[other.Identity].Take(3).Select(data.Face), .. own.Take(3).Select(data.Face)],
                new Dictionary<string, double> { ["ownMedian"] = ownMedian, ["otherMedian"] = other.Median, ["margin"] = ownMedian - other.Median, ["sameThreshold"] = c.SameThreshold },
                other.Identity);
        }
    }

    /// <summary>Of the identities among a face's neighbours, the one whose faces are nearest by median distance.</summary>
    /// <remarks>Copies of the face itself (closer than the same-photo threshold) are no evidence: they are reported as duplicates.</remarks>
    private static (string Identity, double Median)? BestOtherIdentity(Data data, KnnGraph graph, int f, string own, AuditOptions o, double duplicate)
    {
        (string, double)? best = null;
        foreach (var candidate in graph.Neighbours[f].Where(data.IsLabelled).Select(data.Identity).Where(i => !string.Equals(i, own, StringComparison.Ordinal)).Distinct(StringComparer.Ordinal).Take(3))
        {
            var others = data.Identities[candidate].Where(m => data.Distance(f, m) >= duplicate).ToList();
            if (others.Count == 0)
            {
                continue;
            }

            var median = data.MedianDistance(f, others, o.MaxMembers, o.Seed);
            if (best is null || median < best.Value.Item2)
            {
                best = (candidate, median);
            }
        }

        return best;
    }

    private static IEnumerable<AuditFinding> TwoLabelsOnePerson(Data data, KnnGraph graph, AuditCalibration c, AuditOptions o)
    {
        var pairs = new HashSet<(string, string)>();
        foreach (var f in data.Labelled)
        {
            for (var j = 0; j < graph.Neighbours[f].Length; j++)
            {
                var n = graph.Neighbours[f][j];
                if (graph.Distances[f][j] < c.SameThreshold && data.IsLabelled(n) && !string.Equals(data.Identity(f), data.Identity(n), StringComparison.Ordinal))
                {
                    var (a, b) = (data.Identity(f), data.Identity(n));
                    pairs.Add(string.CompareOrdinal(a, b) < 0 ? (a, b) : (b, a));
                }
            }
        }

        foreach (var (a, b) in pairs.Order())
        {
            var ma = Data.Sample(data.Identities[a], 100, o.Seed);
            var mb = Data.Sample(data.Identities[b], 100, o.Seed);
            var cross = ma.SelectMany(x => mb.Select(y => (double)data.Distance(x, y))).ToList();
            var mean = cross.Average();
            var below = cross.Count(d => d < c.SameThreshold) / (double)cross.Count;

            // All pairs nearly identical is the same photo under two labels: reported as a duplicate.
            if (below < 0.8 || mean > c.SameP50 + c.Margin || cross.All(d => d < c.DuplicateThreshold))
            {
                continue;
            }

            var spread = Math.Max(1e-6, c.SameThreshold - c.SameP5);
            var confidence = below * Math.Clamp((c.SameThreshold - mean) / spread, 0, 1) * Math.Sqrt(Math.Min(1, cross.Count / 4.0));
            yield return new AuditFinding(
                AuditKind.TwoLabelsOnePerson,
                Math.Round(confidence, 4),
                string.Create(CultureInfo.InvariantCulture, $"{a} ({data.Identities[a].Count}) and {b} ({data.Identities[b].Count}) look like one person: their faces are {mean:F3} apart on average, {below:P0} of the pairs below the same-person threshold {c.SameThreshold:F3} (a typical same-identity pair: {c.SameP50:F3})"),
                [.. ma.Take(4).Select(data.Face), .. mb.Take(4).Select(data.Face)],
                new Dictionary<string, double> { ["meanCross"] = mean, ["fractionBelowThreshold"] = below, ["pairs"] = cross.Count, ["sameP50"] = c.SameP50, ["sameThreshold"] = c.SameThreshold },
                b);
        }
    }

    private static IEnumerable<AuditFinding> WrongSubjects(Data data, AuditCalibration c, AuditOptions o)
    {
        foreach (var image in data.Faces.Select((f, i) => (f, i)).Where(x => x.f.FacesInImage > 1 && x.f.Face.Identity is not null).GroupBy(x => x.f.Face.ImageId))
        {
            var subject = image.FirstOrDefault(x => x.f.Face.IsSubject);
            if (subject.f is null)
            {
                continue;
            }

            var identity = subject.f.Face.Identity!;
            var others = data.Identities.GetValueOrDefault(identity, []).Where(m => data.Faces[m].Face.ImageId != image.Key).ToList();
            if (others.Count == 0)
            {
                continue;
            }

            var subjectMedian = data.MedianDistance(subject.i, others, o.MaxMembers, o.Seed);
            var candidates = image.Where(x => !x.f.Face.IsSubject).Select(x => (x.i, Median: data.MedianDistance(x.i, others, o.MaxMembers, o.Seed))).ToList();
            if (candidates.Count == 0)
            {
                continue;
            }

            var best = candidates.MinBy(x => x.Median);
            if (subjectMedian <= c.SameThreshold || best.Median >= c.SameThreshold || subjectMedian - best.Median < c.Margin)
            {
                continue;
            }

            yield return new AuditFinding(
                AuditKind.WrongSubject,
                Math.Round(Math.Clamp((subjectMedian - best.Median) / subjectMedian * 1.5, 0, 1), 4),
                string.Create(CultureInfo.InvariantCulture, $"{data.Faces[subject.i].Face.RelPath} has {subject.f.FacesInImage} faces; the subject rule picked face {subject.f.Face.FaceIndex} ({subjectMedian:F3} from {identity}'s other faces), but face {data.Faces[best.i].Face.FaceIndex} is {best.Median:F3} from them: it is probably the labelled person"),
                [data.Face(subject.i), data.Face(best.i), .. others.Take(3).Select(data.Face)],
                new Dictionary<string, double> { ["subjectMedian"] = subjectMedian, ["otherFaceMedian"] = best.Median, ["sameThreshold"] = c.SameThreshold },
                identity);
        }
    }

    private static IEnumerable<AuditFinding> Outliers(Data data, AuditCalibration c, List<AuditFinding> already, HashSet<string> split)
    {
        var flagged = already.Where(f => f.Kind is AuditKind.Mislabelled or AuditKind.Duplicate or AuditKind.WrongSubject).Select(f => f.Faces[0].FaceId).ToHashSet();
        var limit = Math.Max(c.SameP99, c.SameThreshold);
        var scale = Math.Max(1e-6, limit - c.SameP50);
        foreach (var (identity, members) in data.Identities.Where(kv => kv.Value.Count >= 3 && !split.Contains(kv.Key)))
        {
            foreach (var f in members.Where(m => !flagged.Contains(data.Faces[m].Face.Id)))
            {
                var median = data.MedianDistance(f, [.. members.Where(m => m != f)], 200, 42);
                if (median <= limit)
                {
                    continue;
                }

                yield return new AuditFinding(
                    AuditKind.Outlier,
                    Math.Round(Math.Clamp((median - limit) / scale, 0, 1) * 0.8, 4),
                    string.Create(CultureInfo.InvariantCulture, $"{identity}: {median:F3} from its {members.Count - 1} other face(s) (median), beyond the 99th percentile of same-identity distances ({limit:F3}), and no other identity is close"),
                    [data.Face(f), .. members.Where(m => m != f).Take(3).Select(data.Face)],
                    new Dictionary<string, double> { ["ownMedian"] = median, ["sameP99"] = limit, ["sameP50"] = c.SameP50 });
            }
        }
    }

    private static List<AuditFinding> LowQuality(Data data, AuditOptions o, Func<string, string?>? datasetRoot, CancellationToken token)
    {
        var results = new ConcurrentBag<AuditFinding>();
        var byImage = data.Faces.Select((f, i) => (f, i)).GroupBy(x => x.f.Face.ImageId).ToList();
        Parallel.ForEach(
            byImage,
            new ParallelOptions { CancellationToken = token, MaxDegreeOfParallelism = Environment.ProcessorCount },
            () => new ImageDecoder(),
            (image, _, decoder) =>
            {
                RgbImage? pixels = null;
                var first = image.First().f.Face;
                if (o.Sharpness && datasetRoot?.Invoke(first.Dataset) is { } root)
                {
                    try
                    {
                        pixels = decoder.Decode(Path.Combine(root, first.RelPath), token).Image;
                    }
                    catch (Exception ex) when (ex is FaceIndexException or IOException or UnauthorizedAccessException)
                    {
                        pixels = null;
                    }
                }

                foreach (var (f, i) in image)
                {
                    var q = FaceQuality.Score(f.Face.Box, f.Face.Score, f.Face.Landmarks, pixels);
                    if (q.Score >= o.QualityThreshold)
                    {
                        continue;
                    }

                    var evidence = new Dictionary<string, double>
                    {
                        ["quality"] = q.Score,
                        ["size"] = q.Size,
                        ["detector"] = q.Detector,
                        ["pose"] = q.Pose,
                        ["boxWidth"] = f.Face.Box.Width,
                        ["detectorScore"] = f.Face.Score,
                        ["yaw"] = q.Yaw,
                        ["qualityThreshold"] = o.QualityThreshold,
                    };
                    if (q.Sharpness is { } s)
                    {
                        evidence["sharpness"] = s;
                        evidence["laplacianVariance"] = q.LaplacianVariance;
                    }

                    var weakest = new[] { ("small", q.Size), ("weakly detected", q.Detector), ("turned away", q.Pose), ("blurred", q.Sharpness ?? 1) }.Where(p => p.Item2 < 0.5).Select(p => p.Item1).ToList();
                    results.Add(new AuditFinding(
                        AuditKind.LowQuality,
                        Math.Round(Math.Clamp(1 - q.Score, 0, 1) * 0.7, 4),
                        string.Create(CultureInfo.InvariantCulture, $"quality {q.Score:F2} (below {o.QualityThreshold:F2}): {(weakest.Count == 0 ? "several parts middling" : string.Join(", ", weakest))}; {f.Face.Box.Width} px wide, detector score {f.Face.Score:F2}"),
                        [data.Face(i)],
                        evidence));
                }

                return decoder;
            },
            _ => { });
        return [.. results];
    }

    private static IEnumerable<AuditFinding> Overlap(FaceCatalog catalog, FaceSearchIndex index, Data data, string against, AuditCalibration c, AuditOptions o, CancellationToken token)
    {
        var other = catalog.DatasetFaces(against, index.ModelId).Where(f => f.Face.Embedding is not null && f.Face.IsSubject).ToList();
        if (other.Count == 0)
        {
            throw new FaceIndexException($"the dataset '{against}' has no subject faces embedded with {index.ModelId}: index it into this library first");
        }

        var otherOf = other.Select((f, i) => (f.Face.Id, i)).ToDictionary(x => x.Id, x => x.i);
        var queries = data.Faces.Select((f, i) => (f, i)).Where(x => x.f.Face.IsSubject).ToList();
        var graph = KnnGraph.Build(index, [.. queries.Select(q => data.Vectors[q.i])], null, otherOf, Math.Min(5, other.Count), o.Threads > 0 ? o.Threads : Environment.ProcessorCount, null, token);
        var otherSha = other.Where(f => f.Sha256 is not null).GroupBy(f => Convert.ToHexStringLower(f.Sha256!)).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        AuditFace OtherFace(DatasetFace f) => new(f.Face.Id, f.Face.Dataset, f.Face.RelPath, f.Face.Identity, f.Face.Box);

        // Per identity of this dataset (or per face when unlabelled): the other dataset's identity its faces match.
        var groups = queries.Select((q, qi) => (q, qi)).GroupBy(x => x.q.f.Face.Identity ?? "#" + x.q.f.Face.Id.ToString(CultureInfo.InvariantCulture));
        foreach (var group in groups)
        {
            var matches = group.Where(x => graph.Distances[x.qi].Length > 0 && graph.Distances[x.qi][0] < c.SameThreshold).ToList();
            var exact = group.Where(x => x.q.f.Sha256 is not null && otherSha.ContainsKey(Convert.ToHexStringLower(x.q.f.Sha256))).ToList();
            if (matches.Count == 0 && exact.Count == 0)
            {
                continue;
            }

            var candidate = matches.Select(x => other[graph.Neighbours[x.qi][0]].Face.Identity ?? "#" + other[graph.Neighbours[x.qi][0]].Face.Id.ToString(CultureInfo.InvariantCulture))
                .GroupBy(i => i, StringComparer.Ordinal).OrderByDescending(g => g.Count()).ThenBy(g => g.Key, StringComparer.Ordinal).FirstOrDefault()?.Key;
            var theirs = other.Where(f => (f.Face.Identity ?? "#" + f.Face.Id.ToString(CultureInfo.InvariantCulture)) == candidate).ToList();
            var mine = group.Select(x => x.q.i).ToList();
            double mean = double.NaN, below = 0;
            if (theirs.Count > 0)
            {
                var cross = Data.Sample(mine, 100, o.Seed).SelectMany(m => theirs.Take(100).Select(t => (double)TensorPrimitives.Distance(data.Vectors[m], t.Face.Embedding!))).ToList();
                mean = cross.Average();
                below = cross.Count(d => d < c.SameThreshold) / (double)cross.Count;
            }

            var isExact = exact.Count > 0;
            if (!isExact && (below < 0.5 || mean >= c.SameThreshold))
            {
                continue;
            }

            var spread = Math.Max(1e-6, c.SameThreshold - c.SameP5);
            var confidence = isExact ? 1.0 : below * Math.Clamp((c.SameThreshold - mean) / spread, 0, 1);
            var name = group.Key.StartsWith('#') ? "a face" : group.Key;
            yield return new AuditFinding(
                AuditKind.Overlap,
                Math.Round(confidence, 4),
                isExact
                    ? $"{name}: {exact.Count} of its file(s) are also in {against} (same sha256)"
                    : string.Create(CultureInfo.InvariantCulture, $"{name} ({mine.Count} face(s)) is also in {against} as {(candidate!.StartsWith('#') ? "an unlabelled face" : candidate)} ({theirs.Count}): {mean:F3} apart on average, {below:P0} of pairs below the same-person threshold {c.SameThreshold:F3}"),
                [.. mine.Take(4).Select(data.Face), .. (isExact ? exact.Select(x => otherSha[Convert.ToHexStringLower(x.q.f.Sha256!)]) : theirs).Take(4).Select(OtherFace)],
                new Dictionary<string, double> { ["meanCross"] = mean, ["fractionBelowThreshold"] = below, ["sameFiles"] = exact.Count, ["sameThreshold"] = c.SameThreshold },
                candidate);
        }
    }

    private static double MeanCross(Data data, List<int> a, List<int> b) => a.SelectMany(x => b.Select(y => (double)data.Distance(x, y))).Average();

    private static double MeanWithin(Data data, List<int> a)
    {
        if (a.Count < 2)
        {
            return 0;
        }

        double sum = 0;
        var n = 0;
        for (var i = 0; i < a.Count; i++)
        {
            for (var j = i + 1; j < a.Count; j++)
            {
                sum += data.Distance(a[i], a[j]);
                n++;
            }
        }

        return sum / n;
    }

    /// <summary>The faces of the audited dataset, their vectors and the labelled subjects grouped by identity.</summary>
    internal sealed class Data
    {
        public Data(List<DatasetFace> faces)
        {
            Faces = faces;
            Vectors = [.. faces.Select(f => f.Face.Embedding!)];
            Labelled = [.. Enumerable.Range(0, faces.Count).Where(i => faces[i].Face.IsSubject && faces[i].Face.Identity is not null)];
            Identities = Labelled.GroupBy(i => faces[i].Face.Identity!, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.ToList(), StringComparer.Ordinal);
        }

        public List<DatasetFace> Faces { get; }

        public float[][] Vectors { get; }

        public List<int> Labelled { get; }

        public Dictionary<string, List<int>> Identities { get; }

        public bool IsLabelled(int i) => Faces[i].Face.IsSubject && Faces[i].Face.Identity is not null;

        public string Identity(int i) => Faces[i].Face.Identity ?? string.Empty;

        public float Distance(int a, int b) => TensorPrimitives.Distance(Vectors[a], Vectors[b]);

        public AuditFace Face(int i) => new(Faces[i].Face.Id, Faces[i].Face.Dataset, Faces[i].Face.RelPath, Faces[i].Face.Identity, Faces[i].Face.Box);

        public static List<int> Sample(List<int> members, int max, int seed)
        {
            if (members.Count <= max)
            {
                return members;
            }

            var random = new Random(seed);
            return [.. members.OrderBy(_ => random.Next()).Take(max).Order()];
        }

        public double MedianDistance(int f, List<int> members, int max, int seed)
        {
            var d = Sample(members, max, seed).Where(m => m != f).Select(m => (double)Distance(f, m)).Order().ToList();
            if (d.Count == 0)
            {
                return double.NaN;
            }

            return d.Count % 2 == 1 ? d[d.Count / 2] : (d[(d.Count / 2) - 1] + d[d.Count / 2]) / 2;
        }
    }
}
