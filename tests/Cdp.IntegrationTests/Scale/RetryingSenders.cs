using System.Collections.Concurrent;
using System.Diagnostics;
using Cdp.Client;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// Workers that send one event at a time to a bounded set of customers and retry each, with the same
/// messageId, until it is acknowledged, as the SDK's contract asks of a caller. Keeps the ledger of
/// acknowledged messageIds that the cluster's state must match exactly.
/// </summary>
public sealed class RetryingSenders(string run, int customers)
{
    // A call routed to a silo that was just killed can hang until Orleans gives up on it (30 s by default);
    // like a real client, the worker stops waiting sooner and retries.
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(5);
    private static readonly TimeSpan RetryPause = TimeSpan.FromMilliseconds(200);

    private readonly ConcurrentDictionary<string, string> _acknowledged = new(StringComparer.Ordinal);
    private readonly ConcurrentBag<(int Worker, TimeSpan Started, TimeSpan Acknowledged)> _timeline = [];
    private readonly ConcurrentDictionary<string, int> _errors = new(StringComparer.Ordinal);
    private readonly Stopwatch _clock = Stopwatch.StartNew();
    private readonly Lock _lock = new();
    private (int Count, TaskCompletionSource Reached)? _waiter;
    private int _retried;
    private int _failedAttempts;

    /// <summary>Acknowledged messageId → the user id it was sent for.</summary>
    public IReadOnlyDictionary<string, string> Acknowledged => _acknowledged;

    public int Retried => _retried;

    public int FailedAttempts => _failedAttempts;

    /// <summary>Error types seen on failed attempts, with counts, for the report.</summary>
    public string Errors => string.Join(", ", _errors.OrderByDescending(e => e.Value).Select(e => $"{e.Key} x{e.Value}"));

    /// <summary>Time since the senders were created, the clock of <see cref="RecoveryAfter"/>.</summary>
    public TimeSpan Now => _clock.Elapsed;

    public IEnumerable<string> UserIds => Enumerable.Range(0, customers).Select(UserId);

    /// <summary>
    /// Runs <paramref name="workers"/> workers over the clients until <paramref name="stop"/> is cancelled; each
    /// then finishes the event it holds. Fails if an event is still unacknowledged when <paramref name="abort"/> fires.
    /// </summary>
    public Task RunAsync(IReadOnlyList<ICdpClient> clients, int workers, CancellationToken stop, CancellationToken abort) =>
        Task.WhenAll(Enumerable.Range(0, workers).Select(w => Task.Run(() => WorkAsync(clients[w % clients.Count], w, stop, abort))));

    /// <summary>Completes once at least <paramref name="count"/> events are acknowledged.</summary>
    public Task WaitForAcknowledgedAsync(int count)
    {
        lock (_lock)
        {
            if (_acknowledged.Count >= count)
            {
                return Task.CompletedTask;
            }

            _waiter = (count, new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously));
            return _waiter.Value.Reached.Task;
        }
    }

    /// <summary>
    /// How long after <paramref name="moment"/> every worker had an event acknowledged that it began at or after
    /// that moment: the time until the whole load flows again. Null when some worker had none.
    /// </summary>
    public TimeSpan? RecoveryAfter(TimeSpan moment, int workers)
    {
        var firsts = _timeline
            .Where(t => t.Started >= moment)
            .GroupBy(t => t.Worker)
            .Select(g => g.Min(t => t.Acknowledged))
            .ToList();
        return firsts.Count < workers ? null : firsts.Max() - moment;
    }

    /// <summary>The longest time one event took from its first attempt to its acknowledgement.</summary>
    public TimeSpan LongestWait => _timeline.IsEmpty ? TimeSpan.Zero : _timeline.Max(t => t.Acknowledged - t.Started);

    public string UserId(int customer) => $"{run}-u{customer}";

    private async Task WorkAsync(ICdpClient client, int worker, CancellationToken stop, CancellationToken abort)
    {
        var random = new Random(worker);
        for (var n = 0; !stop.IsCancellationRequested; n++)
        {
            var user = UserId(random.Next(customers));
            var evt = new CdpEvent
            {
                Type = EventType.Track,
                UserId = user,
                Event = "Order Completed",
                MessageId = $"{run}-w{worker}-{n}",
                Properties = new() { ["revenue"] = 1 },
            };
            var started = _clock.Elapsed;
            await SendUntilAcknowledgedAsync(client, evt, abort);
            _timeline.Add((worker, started, _clock.Elapsed));
            _acknowledged[evt.MessageId] = user;
            Signal();
        }
    }

    private async Task SendUntilAcknowledgedAsync(ICdpClient client, CdpEvent evt, CancellationToken abort)
    {
        for (var attempt = 0; ; attempt++)
        {
            if (attempt == 1)
            {
                Interlocked.Increment(ref _retried);
            }

            using var patience = CancellationTokenSource.CreateLinkedTokenSource(abort);
            patience.CancelAfter(AttemptTimeout);
            try
            {
                await client.SendAsync(evt, patience.Token);
                return;
            }
            catch (Exception ex) when (ex is not CdpValidationException && !abort.IsCancellationRequested)
            {
                Interlocked.Increment(ref _failedAttempts);
                _errors.AddOrUpdate(ex.GetType().Name, 1, (_, n) => n + 1);
            }

            // Pacing between attempts, as a real client backs off; not a wait for a condition.
            await Task.Delay(RetryPause, abort);
        }
    }

    private void Signal()
    {
        lock (_lock)
        {
            if (_waiter is { } waiter && _acknowledged.Count >= waiter.Count)
            {
                _waiter = null;
                waiter.Reached.TrySetResult();
            }
        }
    }
}
