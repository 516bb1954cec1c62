using System.Diagnostics.Metrics;

namespace Cdp.Grains.Ingest;

/// <summary>
/// Group commit on the way into customer grains. A silo sends at most one <see cref="ICustomerGrain.ApplyAsync"/>
/// call per customer at a time; events for that customer that arrive meanwhile, from any ingest call on the silo,
/// wait and go together in the next call, which the customer writes to the archive in one transaction (per 50
/// events). Every caller's events are acknowledged only after the write that holds them; if it fails, every
/// caller in it gets the error. A busy customer thus costs one storage write per round trip, not one per call.
/// </summary>
public sealed class ApplyCoalescer(IGrainFactory grains)
{
    // Grain references of customers written recently: making one costs more than the rest of the send (a proxy is
    // built through dependency injection each time), and a busy customer is written to again and again.
    private const int ReferencesKept = 100_000;

    /// <summary>Callers' events joined into one call stop growing at this many (one caller's batch is never split).</summary>
    public const int MaxEventsPerCall = 1_000;

    private static readonly Meter Meter = new("Cdp.Ingest");
    private static readonly Counter<long> Calls =
        Meter.CreateCounter<long>("cdp.ingest.apply_calls", description: "Calls to customer grains, one archive write each");

    private static readonly Counter<long> Events =
        Meter.CreateCounter<long>("cdp.ingest.apply_events", description: "Events in the calls to customer grains");

    private readonly Dictionary<string, List<Waiting>> _queued = new(StringComparer.Ordinal);
    private readonly BoundedCache<string, ICustomerGrain> _references = new(ReferencesKept, StringComparer.Ordinal);
    private readonly Lock _lock = new();
    private List<(string CustomerId, int Events, TaskCompletionSource Reached)>? _watchers;

    /// <summary>Calls made to customer grains, and the events they carried, since the silo started.</summary>
    public (long Calls, long Events) Totals { get; private set; }

    /// <summary>Events waiting behind a call in flight, for one customer (for tests and diagnostics).</summary>
    public int WaitingFor(string customerId)
    {
        lock (_lock)
        {
            return _queued.TryGetValue(customerId, out var waiting) ? waiting.Sum(w => w.Events.Length) : 0;
        }
    }

    /// <summary>Completes once at least <paramref name="events"/> events wait behind a call in flight for the customer.</summary>
    public Task WhenWaitingAsync(string customerId, int events)
    {
        lock (_lock)
        {
            if (WaitingFor(customerId) >= events)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            (_watchers ??= []).Add((customerId, events, reached));
            return reached.Task;
        }
    }

    /// <summary>
    /// Applies the events to the customer, together with whatever else waits for it; returns this caller's outcome.
    /// <paramref name="remembered"/> marks the events routed by the silo's <see cref="RouteCache"/> (null: none).
    /// </summary>
    public Task<ApplyOutcome> ApplyAsync(string customerId, CdpEvent[] events, bool[]? remembered = null)
    {
        var caller = new Waiting(events, remembered);
        lock (_lock)
        {
            if (_queued.TryGetValue(customerId, out var waiting))
            {
                waiting.Add(caller);
                if (_watchers is { Count: > 0 })
                {
                    Notify(customerId, waiting.Sum(w => w.Events.Length));
                }

                return caller.Done.Task;
            }

            _queued[customerId] = [];
        }

        // Off the calling grain's scheduler: the loop outlives the call that started it.
        _ = Task.Run(() => SendAsync(customerId, [caller]));
        return caller.Done.Task;
    }

    private async Task SendAsync(string customerId, List<Waiting> batch)
    {
        var customer = _references.Find(customerId);
        if (customer is null)
        {
            customer = grains.GetGrain<ICustomerGrain>(customerId);
            _references.Set(customerId, customer);
        }

        while (true)
        {
            var events = batch.Count == 1 ? batch[0].Events : [.. batch.SelectMany(w => w.Events)];
            try
            {
                var outcome = await customer.ApplyAsync(events, Remembered(batch, events.Length));
                Count(events.Length);
                var offset = 0;
                foreach (var caller in batch)
                {
                    caller.Done.TrySetResult(Slice(outcome, offset, caller.Events.Length, batch.Count == 1));
                    offset += caller.Events.Length;
                }
            }
            catch (Exception ex)
            {
                foreach (var caller in batch)
                {
                    caller.Done.TrySetException(ex);
                }
            }

            lock (_lock)
            {
                var waiting = _queued[customerId];
                if (waiting.Count == 0)
                {
                    _queued.Remove(customerId);
                    return;
                }

                batch = Take(waiting);
            }
        }
    }

    private void Notify(string customerId, int waiting)
    {
        _watchers!.RemoveAll(w =>
        {
            if (w.CustomerId != customerId || waiting < w.Events)
            {
                return false;
            }

            w.Reached.TrySetResult();
            return true;
        });
    }

    private static List<Waiting> Take(List<Waiting> waiting)
    {
        var taken = 0;
        var size = 0;
        while (taken < waiting.Count && (taken == 0 || size + waiting[taken].Events.Length <= MaxEventsPerCall))
        {
            size += waiting[taken].Events.Length;
            taken++;
        }

        var batch = waiting.GetRange(0, taken);
        waiting.RemoveRange(0, taken);
        return batch;
    }

    private static bool[]? Remembered(List<Waiting> batch, int events)
    {
        if (batch.Count == 1)
        {
            return batch[0].Remembered;
        }

        if (!batch.Exists(w => w.Remembered is not null))
        {
            return null;
        }

        var flags = new bool[events];
        var offset = 0;
        foreach (var caller in batch)
        {
            caller.Remembered?.CopyTo(flags, offset);
            offset += caller.Events.Length;
        }

        return flags;
    }

    private static ApplyOutcome Slice(ApplyOutcome outcome, int offset, int length, bool whole)
    {
        if (whole)
        {
            return outcome;
        }

        var range = offset..(offset + length);
        return new ApplyOutcome(outcome.Applied[range], outcome.Redirects?[range], outcome.Unrouted?[range], outcome.Dropped?[range]);
    }

    private void Count(int events)
    {
        Calls.Add(1);
        Events.Add(events);
        lock (_lock)
        {
            Totals = (Totals.Calls + 1, Totals.Events + events);
        }
    }

    private sealed class Waiting(CdpEvent[] events, bool[]? remembered)
    {
        public CdpEvent[] Events { get; } = events;

        public bool[]? Remembered { get; } = remembered;

        public TaskCompletionSource<ApplyOutcome> Done { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
