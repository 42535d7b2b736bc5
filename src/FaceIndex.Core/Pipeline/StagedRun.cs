using System.Threading.Channels;

namespace FaceIndex.Pipeline;

/// <summary>
/// The staged run the indexer and the evaluation share: one producer feeds items through a bounded channel to
/// several analyser threads, each with its own state (a <see cref="FacePipeline"/>: one dlib context per thread);
/// their results go through a bounded channel to one batching thread, which takes what is ready up to a batch
/// weight (chips, for the network), so batches are full when work is plentiful and partial when the queue runs dry.
/// Bounded channels keep memory flat whatever the dataset's size.
/// </summary>
internal static class StagedRun
{
    /// <summary>
    /// Starts the stages; the task ends when every result has been consumed, faulted with the first stage error
    /// (an analyser's reaches the consumer through the channel) or cancelled through <paramref name="token"/>.
    /// </summary>
    /// <param name="items">The work, read lazily by the producer.</param>
    /// <param name="workers">Analyser threads.</param>
    /// <param name="createState">Called once on each analyser thread, before its first item.</param>
    /// <param name="analyse">One item to a result, or null for nothing to pass on (a skipped file).</param>
    /// <param name="weight">A result's weight towards a batch (its chips).</param>
    /// <param name="batchWeight">The weight at which a batch is handed on.</param>
    /// <param name="consumeBatch">Called on the batching thread with each batch, in arrival order.</param>
    public static Task Start<TIn, TOut, TState>(
        IEnumerable<TIn> items,
        int workers,
        Func<TState> createState,
        Func<TState, TIn, TOut?> analyse,
        Func<TOut, int> weight,
        int batchWeight,
        Action<List<TOut>> consumeBatch,
        CancellationToken token)
        where TOut : class
    {
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(workers);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(batchWeight);
        var jobs = Channel.CreateBounded<TIn>(new BoundedChannelOptions(workers * 4) { SingleWriter = true });
        var results = Channel.CreateBounded<TOut>(new BoundedChannelOptions(Math.Max(batchWeight * 2, workers * 2)) { SingleReader = true });

        var producer = Task.Run(
            async () =>
            {
                try
                {
                    foreach (var item in items)
                    {
                        await jobs.Writer.WriteAsync(item, token).ConfigureAwait(false);
                    }
                }
                finally
                {
                    jobs.Writer.TryComplete();
                }
            },
            token);

        var analysers = Enumerable.Range(0, workers).Select(_ => LongRunning(
            () =>
            {
                var state = createState();
                while (jobs.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
                {
                    while (jobs.Reader.TryRead(out var job))
                    {
                        token.ThrowIfCancellationRequested();
                        if (analyse(state, job) is { } result)
                        {
                            results.Writer.WriteAsync(result, token).AsTask().GetAwaiter().GetResult();
                        }
                    }
                }
            },
            token)).ToArray();
        var analysersDone = Task.WhenAll(analysers).ContinueWith(
            t => results.Writer.TryComplete(t.Exception?.GetBaseException()), TaskScheduler.Default);

        var consumer = LongRunning(
            () =>
            {
                var batch = new List<TOut>();
                while (results.Reader.WaitToReadAsync(token).AsTask().GetAwaiter().GetResult())
                {
                    var taken = 0;
                    while (taken < batchWeight && results.Reader.TryRead(out var result))
                    {
                        batch.Add(result);
                        taken += weight(result);
                    }

                    consumeBatch(batch);
                    batch.Clear();
                }
            },
            token);

        return Task.WhenAll([producer, analysersDone, consumer, .. analysers]);
    }

    /// <summary>
    /// Waits for a run from <see cref="Start"/>; throws the caller's cancellation, else the first error that is not a
    /// cancellation (as a <see cref="FaceIndexException"/> unless it is one).
    /// </summary>
    public static void Wait(Task run, CancellationToken token)
    {
        ArgumentNullException.ThrowIfNull(run);
        try
        {
            run.Wait(CancellationToken.None);
        }
        catch (AggregateException)
        {
            // Looked at below: the first real error wins over the cancellations it caused.
        }

        token.ThrowIfCancellationRequested();
        var error = run.Exception?.Flatten().InnerExceptions.Select(e => e.GetBaseException())
            .FirstOrDefault(e => e is not OperationCanceledException);
        if (error is not null)
        {
            throw error is FaceIndexException ? error : new FaceIndexException(error.Message, error);
        }
    }

    private static Task LongRunning(Action action, CancellationToken token) =>
        Task.Factory.StartNew(action, token, TaskCreationOptions.LongRunning, TaskScheduler.Default);
}
