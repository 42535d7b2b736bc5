using System.Diagnostics;
using System.Globalization;
using FaceIndex.Detection;
using FaceIndex.Pipeline;
using FaceIndex.Search;

namespace FaceIndex.Evaluation;

/// <summary>What the missing-face policy of a verification run is (the pairs file and the metric are separate).</summary>
public enum MissingFacePolicy
{
    /// <summary>A pair with an image where no face was found counts as wrong (the default; what a strict protocol reports).</summary>
    Error,

    /// <summary>Such pairs are left out, and how many is reported.</summary>
    Exclude,

    /// <summary>The central region of the image stands in for the face (as many LFW reports do).</summary>
    Center,
}

/// <summary>The settings of a verification run; every one is recorded in its report.</summary>
/// <param name="Metric">Euclidean distance on raw embeddings, or cosine similarity.</param>
/// <param name="Missing">What a pair with a missing face counts as.</param>
/// <param name="Embeddings">Detection, retry, subject and batching settings.</param>
/// <param name="FlipTta">Whether the embedder averages each chip with its mirror image (part of the model id, so cached apart).</param>
public sealed record VerificationSettings(
    EmbeddingMetric Metric = EmbeddingMetric.Euclidean,
    MissingFacePolicy Missing = MissingFacePolicy.Error,
    SubjectEmbeddingOptions? Embeddings = null,
    bool FlipTta = false);

/// <summary>A verification run's outcome: the metrics, the scored pairs, what was missing, and the run record.</summary>
public sealed record VerificationOutcome(
    VerificationResult Result,
    IReadOnlyList<ScoredPair> Scores,
    IReadOnlyDictionary<SubjectSource, int> Sources,
    IReadOnlyList<string> MissingImages,
    int MultiFaceImages,
    int CacheHits,
    RunRecord Run)
{
    /// <summary>Accuracy over all pairs at FaceIndex's fixed same-person threshold (Euclidean runs only; a missing score counts as wrong).</summary>
    public double? AccuracyAtDefaultThreshold =>
        Result.Direction == ScoreDirection.Distance
            ? Scores.Count(p => p.Score is { } d && (d < FaceDistance.SameThreshold) == p.Same) / (double)Scores.Count
            : null;

    /// <summary>The pairs, in the order of <see cref="Scores"/>.</summary>
    public IReadOnlyList<VerificationPair> Pairs { get; init; } = [];

    /// <summary>Each image's subject embedding: where its face came from and its box.</summary>
    public IReadOnlyDictionary<string, SubjectEmbedding> Subjects { get; init; } = new Dictionary<string, SubjectEmbedding>();
}

/// <summary>Runs a verification protocol: pairs → subject embeddings (cached) → scores → LFW 10-fold metrics.</summary>
public static class VerificationRun
{
    /// <summary>Evaluates <paramref name="pairs"/> with the models of <paramref name="engine"/>.</summary>
    public static VerificationOutcome Evaluate(
        FaceEngine engine,
        IReadOnlyList<VerificationPair> pairs,
        VerificationSettings settings,
        string? cacheDirectory,
        IReadOnlyDictionary<string, string>? extraSettings = null,
        IProgress<int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(engine);
        ArgumentNullException.ThrowIfNull(pairs);
        ArgumentNullException.ThrowIfNull(settings);
        if (pairs.Count == 0)
        {
            throw new FaceIndexException("the pairs file holds no pairs");
        }

        var started = DateTimeOffset.UtcNow;
        var clock = Stopwatch.StartNew();
        var options = settings.Embeddings ?? new SubjectEmbeddingOptions();
        var extractor = new SubjectEmbeddings(engine, options, cacheDirectory);
        var embeddings = extractor.Compute(pairs.SelectMany(p => new[] { p.PathA, p.PathB }), progress, cancellationToken);
        var embedSeconds = clock.Elapsed.TotalSeconds;

        float[]? Usable(string path)
        {
            var e = embeddings[path];
            return e.Source switch
            {
                SubjectSource.Failed => null,
                SubjectSource.Center => settings.Missing == MissingFacePolicy.Center ? e.Embedding : null,
                _ => e.Embedding,
            };
        }

        var scored = pairs.Select(p =>
        {
            var a = Usable(p.PathA);
            var b = Usable(p.PathB);
            double? score = a is null || b is null ? null : IdentificationMetrics.Distance(a, b, settings.Metric);
            if (score is { } s && settings.Metric == EmbeddingMetric.Cosine)
            {
                score = 1 - s;
            }

            return new ScoredPair(score, p.Same, p.Fold);
        }).ToList();
        var direction = settings.Metric == EmbeddingMetric.Euclidean ? ScoreDirection.Distance : ScoreDirection.Similarity;
        var policy = settings.Missing == MissingFacePolicy.Exclude ? MissingScorePolicy.Exclude : MissingScorePolicy.Error;
        var result = VerificationMetrics.Evaluate(scored, direction, policy);
        var used = embeddings.Values.ToList();
        var sources = used.GroupBy(e => e.Source).ToDictionary(g => g.Key, g => g.Count());
        var missing = used.Where(e => e.Source is SubjectSource.Center or SubjectSource.Failed).Select(e => e.Path).Order(StringComparer.Ordinal).ToList();
        var recorded = new SortedDictionary<string, string>(StringComparer.Ordinal)
        {
            ["metric"] = settings.Metric.ToString().ToLowerInvariant(),
            ["missingFacePolicy"] = settings.Missing.ToString().ToLowerInvariant(),
            ["flipTta"] = settings.FlipTta.ToString().ToLowerInvariant(),
            ["upsample"] = options.Upsample.ToString(CultureInfo.InvariantCulture),
            ["detector"] = options.Detector.Name(),
            ["retryUpsample"] = options.RetryUpsample.ToString(CultureInfo.InvariantCulture),
            ["subjectFace"] = options.Subject.ToString().ToLowerInvariant(),
            ["centerFraction"] = options.CenterFraction.ToString(CultureInfo.InvariantCulture),
            ["embedBatch"] = options.EmbedBatch.ToString(CultureInfo.InvariantCulture),
            ["jitter"] = options.Jitter.ToString(CultureInfo.InvariantCulture),
            ["modelId"] = engine.Embedder.ModelId,
            ["alignment"] = Alignment.FaceAligners.Name(engine.Alignment),
            ["sameThresholdDefault"] = FaceDistance.SameThreshold.ToString(CultureInfo.InvariantCulture),
            ["pairs"] = pairs.Count.ToString(CultureInfo.InvariantCulture),
            ["images"] = embeddings.Count.ToString(CultureInfo.InvariantCulture),
            ["cacheHits"] = extractor.CacheHits.ToString(CultureInfo.InvariantCulture),
        };
        foreach (var (key, value) in extraSettings ?? new Dictionary<string, string>())
        {
            recorded[key] = value;
        }

        var run = RunRecord.Capture(
            recorded,
            started,
            DateTimeOffset.UtcNow,
            new SortedDictionary<string, double>(StringComparer.Ordinal) { ["embeddings"] = Math.Round(embedSeconds, 3), ["total"] = Math.Round(clock.Elapsed.TotalSeconds, 3) },
            RunVersions.Collect(engine));
        return new VerificationOutcome(result, scored, sources, missing, used.Count(e => e.FaceCount > 1), extractor.CacheHits, run) { Pairs = pairs, Subjects = embeddings };
    }
}
