using FaceIndex.Embedding;
using FaceIndex.Pipeline;

namespace FaceIndex.Evaluation;

/// <summary>
/// Runs one verification protocol for each configuration, on the same pairs and folds (each with its own engine: model,
/// alignment, flip; embeddings cached per model id and alignment), and fuses their scores when asked.
/// </summary>
public static class VerificationComparison
{
    /// <summary>Evaluates every configuration; <paramref name="progress"/> reports (configuration index, images done).</summary>
    public static ComparisonOutcome Evaluate(
        IReadOnlyList<ComparisonConfiguration> configurations,
        IReadOnlyList<VerificationPair> pairs,
        VerificationSettings settings,
        string? cacheDirectory,
        bool fusion,
        IReadOnlyDictionary<string, string>? extraSettings = null,
        Action<int, int>? progress = null,
        CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(configurations);
        ArgumentNullException.ThrowIfNull(settings);
        if (configurations.Count == 0)
        {
            throw new FaceIndexException("no configuration to evaluate");
        }

        var rows = new List<ComparisonRow>();
        for (var c = 0; c < configurations.Count; c++)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var config = configurations[c];
            using var engine = FaceEngine.Load(new EngineOptions(
                Embedder: new DlibResNetOptions { FlipTta = config.Flip }, Model: config.Model, Alignment: config.Alignment));
            var index = c;
            var outcome = VerificationRun.Evaluate(
                engine,
                pairs,
                settings with { Metric = config.EffectiveMetric, FlipTta = config.Flip },
                cacheDirectory,
                extraSettings,
                progress is null ? null : new InlineProgress(done => progress(index, done)),
                cancellationToken);
            rows.Add(new ComparisonRow(config, outcome, Separation.DPrime(outcome.Scores, outcome.Result.Direction)));
        }

        FusionRow? fused = null;
        if (fusion)
        {
            var policy = settings.Missing == MissingFacePolicy.Exclude ? MissingScorePolicy.Exclude : MissingScorePolicy.Error;
            var (result, scores) = ScoreFusion.Fuse([.. rows.Select(r => (r.Outcome.Scores, r.Outcome.Result.Direction))], policy);
            fused = new FusionRow("fusion: " + string.Join(" + ", rows.Select(r => r.Label)), result, scores, Separation.DPrime(scores, ScoreDirection.Similarity));
        }

        return new ComparisonOutcome(rows, fused);
    }

    // Reports on the calling thread (Progress<T> would post to a thread-pool context, out of order).
    private sealed class InlineProgress(Action<int> report) : IProgress<int>
    {
        public void Report(int value) => report(value);
    }
}
