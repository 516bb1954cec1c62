using Cdp.Grains.Archive;
using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Storage;

namespace Cdp.Grains.Customers;

/// <summary>
/// One customer's live profile. Every event is written to the archive before it is applied and
/// acknowledged; the persisted state is a snapshot that the archive's tail brings up to date at
/// activation, so a crash between the two loses nothing.
/// </summary>
public sealed partial class CustomerGrain(
    [PersistentState("customer", CdpStorageNames.Profiles)] IPersistentState<CustomerState> state,
    IEventArchive archive,
    ProfileBuilder builder,
    IOptions<CdpProfileOptions> options,
    IOptions<CdpStorageOptions> storage,
    ILogger<CustomerGrain> logger) : Grain, ICustomerGrain
{
    private const int ReplayPageSize = 500;
    private const int MaxEventPageSize = 1000;

    private readonly CdpProfileOptions _options = options.Value;
    private readonly RecentIds _applied = new(options.Value.RememberedMessageIds);
    private long _snapshotSequence;

    private CustomerProfile Profile => state.State.Profile;

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        Profile.CustomerId = this.GetPrimaryKeyString();
        _snapshotSequence = Profile.Sequence;
        foreach (var recent in Profile.RecentEvents)
        {
            _applied.Add(recent.MessageId);
        }

        await ReplayAsync(cancellationToken);
    }

    public override async Task OnDeactivateAsync(DeactivationReason reason, CancellationToken cancellationToken)
    {
        // Memory storage does not outlive the silo, so a snapshot while it shuts down would be lost anyway.
        if (Profile.Sequence == _snapshotSequence ||
            (reason.ReasonCode == DeactivationReasonCode.ShuttingDown && storage.Value.Provider == CdpStorageProvider.Memory))
        {
            return;
        }

        await TrySnapshotAsync();
    }

    public async Task<bool[]> ApplyAsync(CdpEvent[] events)
    {
        ArgumentNullException.ThrowIfNull(events);
        var applied = new bool[events.Length];
        var pending = new List<PendingEvent>(events.Length);
        var pendingIndex = new List<int>(events.Length);
        HashSet<string>? inCall = null;
        for (var i = 0; i < events.Length; i++)
        {
            var messageId = events[i].MessageId ?? throw new ArgumentException("Routed events carry a messageId.", nameof(events));
            if (_applied.Contains(messageId) || (events.Length > 1 && !(inCall ??= new(StringComparer.Ordinal)).Add(messageId)))
            {
                continue;
            }

            pending.Add(new PendingEvent(messageId, CdpJson.Serialize(events[i])));
            pendingIndex.Add(i);
        }

        if (pending.Count == 0)
        {
            return applied;
        }

        var result = await AppendAsync(pending);
        var fresh = result.Duplicates.Count(d => !d);
        if (result.LastSequence == Profile.Sequence + fresh && result.HighestDuplicateSequence <= Profile.Sequence)
        {
            // The usual case: the archive took exactly these events, in order, after what this grain holds.
            var sequence = Profile.Sequence;
            for (var k = 0; k < pending.Count; k++)
            {
                if (!result.Duplicates[k])
                {
                    builder.Apply(Profile, events[pendingIndex[k]], ++sequence);
                    applied[pendingIndex[k]] = true;
                }
            }
        }
        else
        {
            // The archive holds events this grain has not applied: an earlier call that committed but whose
            // answer was lost, or part of a call that failed. Take them in from the archive itself, so every
            // archived event reaches the profile once, before this call is acknowledged.
            LogCatchingUp(logger, Profile.CustomerId, Profile.Sequence, Math.Max(result.LastSequence, result.HighestDuplicateSequence));
            await ReplayAsync(CancellationToken.None);
            for (var k = 0; k < pending.Count; k++)
            {
                applied[pendingIndex[k]] = !result.Duplicates[k];
            }
        }

        foreach (var evt in pending)
        {
            _applied.Add(evt.MessageId);
        }

        if (Profile.Sequence - _snapshotSequence >= _options.SnapshotEvery)
        {
            await TrySnapshotAsync();
        }

        return applied;
    }

    public Task<CustomerProfile?> GetProfileAsync() =>
        Task.FromResult(Profile.EventCount == 0 && Profile.Conflicts.Count == 0 ? null : Profile);

    public async Task<EventPage> GetEventsAsync(long afterSequence, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(afterSequence);
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxEventPageSize);

        var rows = await archive.ReadAsync(Profile.CustomerId, afterSequence, pageSize, CancellationToken.None);
        var events = rows.Select(r => new ArchivedEvent(r.Sequence, CdpJson.DeserializeEvent(r.Json))).ToArray();
        var next = events.Length == pageSize && events[^1].Sequence < Profile.Sequence ? events[^1].Sequence : (long?)null;
        return new EventPage(events, next);
    }

    public async Task RecordConflictAsync(IdentityConflict conflict)
    {
        ArgumentNullException.ThrowIfNull(conflict);
        var conflicts = Profile.Conflicts;
        if (conflicts.Exists(c => SameConflict(c, conflict)))
        {
            return;
        }

        if (conflicts.Count >= _options.MaxConflicts)
        {
            LogConflictsFull(logger, Profile.CustomerId, _options.MaxConflicts);
            return;
        }

        conflicts.Add(conflict);
        try
        {
            await SnapshotAsync();
        }
        catch
        {
            // Not stored, so not recorded: the caller sees the error and a retry records it again.
            conflicts.Remove(conflict);
            throw;
        }

        LogConflict(logger, conflict.Identifier.Type, conflict.OwnerCustomerId, conflict.RoutedCustomerId, conflict.MessageId);
    }

    private async Task<AppendResult> AppendAsync(List<PendingEvent> pending)
    {
        try
        {
            return await archive.AppendAsync(Profile.CustomerId, Profile.Sequence, pending, CancellationToken.None);
        }
        catch (ArchiveConcurrencyException ex)
        {
            // Another activation of this customer wrote meanwhile (possible for a moment after a silo
            // failure). Take in what it wrote, then append after it; markers keep its events from repeating.
            LogConcurrentWriter(logger, ex, Profile.CustomerId, Profile.Sequence);
            await ReplayAsync(CancellationToken.None);
            return await archive.AppendAsync(Profile.CustomerId, Profile.Sequence, pending, CancellationToken.None);
        }
    }

    private async Task ReplayAsync(CancellationToken cancellationToken)
    {
        var replayed = 0;
        while (true)
        {
            var rows = await archive.ReadAsync(Profile.CustomerId, Profile.Sequence, ReplayPageSize, cancellationToken);
            foreach (var (sequence, json) in rows)
            {
                var evt = CdpJson.DeserializeEvent(json);
                builder.Apply(Profile, evt, sequence);
                _applied.Add(evt.MessageId!);
            }

            replayed += rows.Count;
            if (rows.Count < ReplayPageSize)
            {
                break;
            }
        }

        if (replayed > 0)
        {
            LogReplayed(logger, Profile.CustomerId, replayed, Profile.Sequence);
        }
    }

    // A snapshot only shortens the next replay: the events are durable in the archive already, so a failed
    // one must not fail the call that triggered it. The next threshold or deactivation tries again.
    private async Task TrySnapshotAsync()
    {
        try
        {
            await SnapshotAsync();
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            LogSnapshotFailed(logger, ex, Profile.CustomerId, Profile.Sequence - _snapshotSequence);
        }
    }

    private async Task SnapshotAsync()
    {
        try
        {
            await state.WriteStateAsync();
            _snapshotSequence = Profile.Sequence;
        }
        catch (InconsistentStateException ex)
        {
            // Another activation wrote a snapshot. The archive holds everything both applied, so rebuild
            // from its snapshot and the archive's tail; the next snapshot carries on from there.
            LogSnapshotConflict(logger, ex, Profile.CustomerId);
            var conflicts = Profile.Conflicts;
            await state.ReadStateAsync();
            Profile.CustomerId = this.GetPrimaryKeyString();
            MergeConflicts(conflicts);
            await ReplayAsync(CancellationToken.None);
            await state.WriteStateAsync();
            _snapshotSequence = Profile.Sequence;
        }
    }

    private void MergeConflicts(List<IdentityConflict> conflicts)
    {
        foreach (var conflict in conflicts)
        {
            if (!Profile.Conflicts.Exists(c => SameConflict(c, conflict)))
            {
                Profile.Conflicts.Add(conflict);
            }
        }
    }

    // One conflict is one identifier held by one customer while events route to another.
    private static bool SameConflict(IdentityConflict a, IdentityConflict b) =>
        a.Identifier == b.Identifier && a.OwnerCustomerId == b.OwnerCustomerId && a.RoutedCustomerId == b.RoutedCustomerId;

    [LoggerMessage(EventId = 1101, Level = LogLevel.Debug,
        Message = "Customer {CustomerId}: replayed {Count} archived events up to sequence {Sequence}")]
    private static partial void LogReplayed(ILogger logger, string customerId, int count, long sequence);

    [LoggerMessage(EventId = 1102, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: another writer appended after sequence {Sequence}; catching up and retrying")]
    private static partial void LogConcurrentWriter(ILogger logger, Exception exception, string customerId, long sequence);

    [LoggerMessage(EventId = 1103, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: the stored snapshot changed underneath this activation; rebuilt from storage")]
    private static partial void LogSnapshotConflict(ILogger logger, Exception exception, string customerId);

    [LoggerMessage(EventId = 1104, Level = LogLevel.Information,
        Message = "Identity conflict on a {IdentifierType} identifier: owned by {OwnerCustomerId}, "
            + "event {MessageId} routed to {RoutedCustomerId}")]
    private static partial void LogConflict(
        ILogger logger, string identifierType, string ownerCustomerId, string routedCustomerId, string messageId);

    [LoggerMessage(EventId = 1105, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: already holds {Max} identity conflicts; further ones are not recorded")]
    private static partial void LogConflictsFull(ILogger logger, string customerId, int max);

    [LoggerMessage(EventId = 1106, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: writing the profile snapshot failed; {Count} archived events are not in it yet")]
    private static partial void LogSnapshotFailed(ILogger logger, Exception exception, string customerId, long count);

    [LoggerMessage(EventId = 1107, Level = LogLevel.Warning,
        Message = "Customer {CustomerId}: the archive reaches sequence {ArchiveSequence} beyond the {Sequence} applied; catching up")]
    private static partial void LogCatchingUp(ILogger logger, string customerId, long sequence, long archiveSequence);
}
