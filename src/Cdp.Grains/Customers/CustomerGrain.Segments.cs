using Cdp.Grains.Domain;
using Cdp.Grains.Segments;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Orleans.Streams;

namespace Cdp.Grains.Customers;

/// <summary>
/// Segments, triggers and computed traits of this customer: evaluated after each applied event (only the definitions
/// the event touches), at the deadline timer (windows passing, absences due), and when the catalog changes (new or
/// changed definitions are backfilled from this customer's archive). Changes are published on the definition's
/// stream, for customers who granted its purpose, one at a time in order.
/// </summary>
public sealed partial class CustomerGrain : IRemindable
{
    /// <summary>The reminder that wakes a customer for a segment deadline beyond the keep-alive horizon.</summary>
    public const string DeadlineReminder = "segment-deadline";

    // Timers longer than this are re-armed when they fire, which also keeps the due time within the timer's range.
    private static readonly TimeSpan MaxTimerDelay = TimeSpan.FromHours(12);

    // A grain stays active for deadlines this close, so they fire on time; later ones are kept by a reminder.
    private static readonly TimeSpan KeepAliveHorizon = TimeSpan.FromHours(1);

    private SegmentRuntime? _segmentRuntime;
    private IGrainTimer? _segmentTimer;
    private DateTimeOffset? _segmentTimerDue;
    private Func<string, bool>? _segmentAllows;

    // The deadline the registered reminder wakes this customer for, as far as this activation knows.
    private DateTimeOffset? _reminderDue;

    private SegmentRuntime SegmentRuntime => _segmentRuntime ??= ServiceProvider.GetRequiredService<SegmentRuntime>();

    public async Task ReevaluateAsync()
    {
        if (state.State.MergedInto is { } survivor)
        {
            await Customer(survivor).ReevaluateAsync();
            return;
        }

        // An erased customer has nothing to evaluate, and must not join a segment that an empty profile meets.
        if (state.State.ErasedBy is null)
        {
            await EvaluateSegmentsAsync(null, null, timed: true);
        }
    }

    /// <summary>At activation: takes in what the snapshot missed, applies time that passed, and arms the deadline timer.</summary>
    private Task StartSegmentsAsync() => EvaluateSegmentsAsync(null, null, timed: true);

    /// <summary>After <see cref="ApplyAsync"/>: evaluates what the newly applied events touch.</summary>
    private Task OnSegmentEventsAsync(CdpEvent[] events, bool[] applied) => EvaluateSegmentsAsync(events, applied, timed: false);

    private async Task EvaluateSegmentsAsync(CdpEvent[]? events, bool[]? applied, bool timed)
    {
        var runtime = SegmentRuntime;
        var segments = Profile.SegmentState;
        if (!segments.Indexed && Profile.EventCount > 0)
        {
            // Once per customer, at its first event: the index is how backfills find every customer.
            await GrainFactory.GetGrain<ICustomerIndexGrain>(CustomerIndex.ShardOf(Self)).AddAsync(Self);
            segments.Indexed = true;
        }

        var catalog = await runtime.Cache.GetAsync();
        if (catalog.IsEmpty && segments.CatalogVersion == catalog.Version && Profile.Segments.Count == 0)
        {
            // The lean path: no definitions, nothing to keep.
            segments.Sequence = Profile.Sequence;
            return;
        }

        var now = runtime.Clock.GetUtcNow();
        var evaluator = runtime.Evaluator;
        List<CompiledDefinition>? stale = null;
        if (segments.CatalogVersion != catalog.Version)
        {
            stale = SegmentEvaluator.Prepare(Profile, catalog);
            var backfill = stale.Where(s => s.Nodes.Length > 0).ToList();
            if (backfill.Count > 0 && segments.Sequence > 0)
            {
                foreach (var evt in await ReadSegmentEventsAsync(0, segments.Sequence))
                {
                    evaluator.Feed(Profile, backfill, evt, EventTimes.Of(evt), now);
                }

                LogSegmentsBackfilled(logger, Self, backfill.Count, segments.Sequence);
            }
        }

        List<SegmentOutput>? outputs = null;
        var touched = stale is not null || timed;
        if (segments.Sequence < Profile.Sequence)
        {
            var allows = _segmentAllows ??= Allows;
            if (events is not null && applied is not null && Fresh(applied) == Profile.Sequence - segments.Sequence)
            {
                // The usual case: exactly this call's events, in memory, in the order applied.
                for (var i = 0; i < events.Length; i++)
                {
                    if (applied[i])
                    {
                        touched |= Evaluate(evaluator, catalog, events[i], now, allows, ref outputs);
                    }
                }
            }
            else
            {
                foreach (var evt in await ReadSegmentEventsAsync(segments.Sequence, Profile.Sequence))
                {
                    touched |= Evaluate(evaluator, catalog, evt, now, allows, ref outputs);
                }
            }

            segments.Sequence = Profile.Sequence;
        }

        if (stale is { Count: > 0 })
        {
            (outputs ??= []).AddRange(SegmentEvaluator.EvaluateStale(Profile, catalog, stale, now, Allows));
        }

        if (timed)
        {
            (outputs ??= []).AddRange(SegmentEvaluator.OnTime(Profile, catalog, now, Allows));
        }

        if (outputs is { Count: > 0 })
        {
            await DeliverAsync(outputs, now);
        }

        // Deadlines move only when something was evaluated; an event no definition reads leaves them as they are.
        if (touched)
        {
            ArmSegmentTimer(catalog, now);
            await EnsureDeadlineReminderAsync(now);
        }
    }

    /// <summary>
    /// A reminder outlives the activation: it wakes the customer for a deadline further away than the keep-alive
    /// horizon (a 30-day window that passes while the customer is idle), and the activation applies the time that
    /// passed. It is registered only when it would fire later than the deadline, so busy customers do not rewrite it
    /// at every event; firing early only re-arms it.
    /// </summary>
    public async Task ReceiveReminder(string reminderName, TickStatus status)
    {
        if (reminderName != DeadlineReminder)
        {
            return;
        }

        _reminderDue = null;
        var now = SegmentRuntime.Clock.GetUtcNow();
        if (!Gone)
        {
            await EvaluateSegmentsAsync(null, null, timed: true);
        }

        if (Gone || Profile.SegmentState.NextDeadline is not { } next || next - now <= KeepAliveHorizon)
        {
            if (await this.GetReminder(DeadlineReminder) is { } reminder)
            {
                await this.UnregisterReminder(reminder);
            }
        }
        else
        {
            await EnsureDeadlineReminderAsync(now);
        }
    }

    private async Task EnsureDeadlineReminderAsync(DateTimeOffset now)
    {
        if (Profile.SegmentState.NextDeadline is not { } due || due - now <= KeepAliveHorizon ||
            (_reminderDue is { } registered && registered <= due))
        {
            return;
        }

        // Reminders tick at least once a minute; a day's period only matters if a tick is missed.
        var delay = due - now < TimeSpan.FromMinutes(1) ? TimeSpan.FromMinutes(1) : due - now;
        await this.RegisterOrUpdateReminder(DeadlineReminder, delay, TimeSpan.FromDays(1));
        _reminderDue = due;
    }

    private bool Evaluate(
        SegmentEvaluator evaluator, CompiledCatalog catalog, CdpEvent evt, DateTimeOffset now, Func<string, bool> allows,
        ref List<SegmentOutput>? outputs)
    {
        var produced = evaluator.OnEvent(Profile, catalog, evt, EventTimes.Of(evt), now, allows);
        if (produced is null)
        {
            return false;
        }

        if (produced.Count > 0)
        {
            (outputs ??= []).AddRange(produced);
        }

        return true;
    }

    private static int Fresh(bool[] applied)
    {
        var count = 0;
        foreach (var fresh in applied)
        {
            count += fresh ? 1 : 0;
        }

        return count;
    }


    // A purpose the deployment no longer configures allows nothing; it must not fail the events being applied.
    private bool Allows(string purpose)
    {
        try
        {
            return consent.Allows(Profile, purpose);
        }
        catch (CdpValidationException)
        {
            return false;
        }
    }

    private async Task<List<CdpEvent>> ReadSegmentEventsAsync(long after, long upTo)
    {
        var found = new List<CdpEvent>();
        while (after < upTo)
        {
            var rows = await archive.ReadAsync(Self, after, ReplayPageSize, CancellationToken.None);
            foreach (var (sequence, json) in rows)
            {
                if (sequence <= upTo)
                {
                    found.Add(CdpJson.DeserializeEvent(json));
                }
            }

            if (rows.Count < ReplayPageSize)
            {
                break;
            }

            after = rows[^1].Sequence;
        }

        return found;
    }

    // One message at a time, awaited, so one customer's messages reach each stream in order.
    private async Task DeliverAsync(List<SegmentOutput> outputs, DateTimeOffset now)
    {
        foreach (var output in outputs)
        {
            var definition = output.Definition.Definition;
            try
            {
                if (definition.Kind == DefinitionKind.Segment)
                {
                    await output.Definition.MemberShard(GrainFactory, SegmentMembers.ShardOf(Self))
                        .SetAsync(Self, output.Change == SegmentChange.Entered);
                }

                if (output.Publish)
                {
                    await PublishAsync(output, now);
                }
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                // The events are durable and applied; a failed delivery must not fail their acknowledgement.
                LogDeliveryFailed(logger, ex, Self, definition.Id, output.Change);
            }
        }
    }

    private async Task PublishAsync(SegmentOutput output, DateTimeOffset now)
    {
        var definition = output.Definition.Definition;
        var message = new SegmentMessage
        {
            Change = output.Change,
            CustomerId = Self,
            DefinitionId = definition.Id,
            DefinitionVersion = definition.Version,
            EventTime = output.EventTime,
            MessageId = output.MessageId,
            Identifiers = [.. Profile.Identifiers
                .Where(i => definition.ExportIdentifiers.Contains(i.Type)).Select(i => i.ToExternalId())],
            Traits = ExportedTraits(definition),
            Sequence = ++Profile.SegmentState.Published,
            PublishedAt = now,
        };
        var stream = this.GetStreamProvider(SegmentStreams.Provider)
            .GetStream<SegmentMessage>(StreamId.Create(SegmentStreams.NamespaceOf(definition.Kind), definition.Id));
        await stream.OnNextAsync(message);
    }

    /// <summary>Merged into another customer or erased: either way, no segments of its own are left to evaluate.</summary>
    private bool Gone => state.State.MergedInto is not null || state.State.ErasedBy is not null;

    /// <summary>Whether this customer is in the customer index or in a segment (announced there or not).</summary>
    private bool InSegments() =>
        Profile.SegmentState.Indexed
        || Profile.Segments.Values.Any(m => m.Kind == DefinitionKind.Segment && (m.Member || m.Announced));

    /// <summary>
    /// Takes this customer out of every segment and out of the customer index, when it stops being a customer of its
    /// own: merged into another (the survivor's own evaluation decides what it joins) or erased. Member lists and the
    /// index must drop it, so their failures fail the call and a retry does it again; exits are published only with
    /// <paramref name="publish"/> (a merge; an erasure has its notice instead), at most once, like every delivery.
    /// The memberships are marked left in memory; the caller writes the state. Returns whether the customer left a
    /// member list (then the state must be written, so that a retry does not announce the exits again).
    /// </summary>
    private async Task<bool> LeaveSegmentsAsync(bool publish)
    {
        var segments = Profile.SegmentState;
        var runtime = SegmentRuntime;
        var now = runtime.Clock.GetUtcNow();
        var exits = SegmentEvaluator.Exits(Profile, await runtime.Cache.GetAsync(), now, publish ? Allows : null);
        var shard = SegmentMembers.ShardOf(Self);
        await Task.WhenAll(exits.Select(e => e.Definition.MemberShard(GrainFactory, shard).SetAsync(Self, false)));
        if (segments.Indexed)
        {
            await GrainFactory.GetGrain<ICustomerIndexGrain>(CustomerIndex.ShardOf(Self)).RemoveAsync(Self);
        }

        foreach (var exit in exits.Where(e => e.Publish))
        {
            try
            {
                await PublishAsync(exit, now);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                LogDeliveryFailed(logger, ex, Self, exit.Definition.Definition.Id, exit.Change);
            }
        }

        SegmentEvaluator.Leave(Profile, now);
        segments.Indexed = false;
        DisarmSegmentTimer();
        return exits.Count > 0;
    }

    private Dictionary<string, CdpValue> ExportedTraits(SegmentDefinition definition)
    {
        var traits = new Dictionary<string, CdpValue>(StringComparer.Ordinal);
        foreach (var name in definition.ExportTraits)
        {
            if (Profile.Traits.TryGetValue(name, out var trait))
            {
                traits[name] = trait.Value;
            }
            else if (Profile.ComputedTraits.Values.FirstOrDefault(c => c.Name == name)?.Value is { } computed)
            {
                traits[name] = computed;
            }
        }

        return traits;
    }

    private void ArmSegmentTimer(CompiledCatalog catalog, DateTimeOffset now)
    {
        var due = SegmentEvaluator.NextDeadline(Profile, catalog, now);
        Profile.SegmentState.NextDeadline = due;
        if (due == _segmentTimerDue && (due is null || _segmentTimer is not null))
        {
            return;
        }

        DisarmSegmentTimer();
        _segmentTimerDue = due;
        if (due is not { } at)
        {
            return;
        }

        var delay = at - now;
        delay = delay < TimeSpan.Zero ? TimeSpan.Zero : delay > MaxTimerDelay ? MaxTimerDelay : delay;
        _segmentTimer = this.RegisterGrainTimer(
            static (grain, _) => grain.OnSegmentTimerAsync(),
            this,
            new GrainTimerCreationOptions
            {
                DueTime = delay,
                Period = Timeout.InfiniteTimeSpan,
                KeepAlive = at - now <= KeepAliveHorizon,
            });
    }

    private async Task OnSegmentTimerAsync()
    {
        DisarmSegmentTimer();
        if (!Gone)
        {
            await EvaluateSegmentsAsync(null, null, timed: true);
        }
    }

    private void DisarmSegmentTimer()
    {
        _segmentTimer?.Dispose();
        _segmentTimer = null;
        _segmentTimerDue = null;
    }

    [LoggerMessage(EventId = 6010, Level = LogLevel.Debug,
        Message = "Customer {CustomerId}: {Count} new or changed definitions backfilled from {Sequence} archived events")]
    private static partial void LogSegmentsBackfilled(ILogger logger, string customerId, int count, long sequence);

    [LoggerMessage(EventId = 6011, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: delivering {Change} of definition {DefinitionId} failed; the message is not sent")]
    private static partial void LogDeliveryFailed(
        ILogger logger, Exception exception, string customerId, string definitionId, SegmentChange change);
}
