using Cdp.Grains.Hosting;
using Cdp.Grains.Privacy;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Customers;

/// <summary>The customer's part in privacy requests: export, what an erasure must reach, and the erasure itself.</summary>
public sealed partial class CustomerGrain
{
    public async Task<(CustomerProfile Profile, ArchivedEvent[] Events)?> ExportAsync()
    {
        if (state.State.MergedInto is { } survivor)
        {
            return await Customer(survivor).ExportAsync();
        }

        await WhileBusyAsync();
        if (Profile.EventCount == 0 && Profile.Journal.Count == 0)
        {
            return null;
        }

        // Not interleaved with writes, so the profile and the events are of one moment.
        var rows = await ReadAllAsync(Self);
        return (copier.Copy(Profile), rows.Select(r => new ArchivedEvent(r.Sequence, r.Event)).ToArray());
    }

    public Task<CustomerPrivacyPlan> GetPrivacyPlanAsync()
    {
        // Journal entries name identifiers that merges moved here and that events linked; the erasure keeps those
        // whose identity grains still point at an erased customer, so other people's identifiers are left alone.
        var journal = Profile.Journal.SelectMany(e => e.Identifiers.Concat(e.LinkedIdentifiers).Concat(e.MovedIdentifiers));
        var identifiers = Profile.Identifiers.Select(r => r.ToExternalId()).Concat(_reserved.Keys).Concat(journal);
        return Task.FromResult(new CustomerPrivacyPlan(state.State.MergedInto, [.. Profile.Absorbed], [.. identifiers.Distinct()]));
    }

    public async Task<long> EraseAsync(string requestId)
    {
        ArgumentException.ThrowIfNullOrEmpty(requestId);
        await WhileBusyAsync();
        var customerId = Self;

        // Member lists and the index first: while the state is stored, a retry still knows what to take out.
        if (InSegments())
        {
            await LeaveSegmentsAsync(publish: false);
        }

        var removed = await archive.DeleteAllAsync(customerId, CancellationToken.None);
        if (state.RecordExists)
        {
            await state.ClearStateAsync();
        }

        // The marker holds the request id and nothing of the person; it outlives the erasure so that an event looked
        // up before it cannot start this customer again.
        state.State = new CustomerState { ErasedBy = requestId };
        state.State.Profile.CustomerId = customerId;
        await state.WriteStateAsync();
        _reserved.Clear();
        _applied = new RecentIds(_options.RememberedMessageIds);
        _snapshotSequence = 0;

        // Nothing of the customer stays in silo memory either.
        DeactivateOnIdle();
        LogErased(logger, customerId, removed);
        return removed;
    }

    /// <summary>
    /// Events resolved before this customer was erased and routed here after it: nothing of them is applied. Their
    /// lookups may have claimed identifiers first seen beside an erased one for this customer; those identity records
    /// are erased now. With <see cref="AfterErasure.Suppress"/> they are also suppressed under the same request and
    /// the events are dropped; with <see cref="AfterErasure.AllowFreshStart"/> the events go back to be resolved
    /// afresh (dropped while the request's own suppression records last, a new customer after).
    /// </summary>
    private async Task<ApplyOutcome> RefuseAfterErasureAsync(CdpEvent[] events, string requestId)
    {
        var ids = events.SelectMany(e => e.Identifiers ?? []).Distinct().ToArray();
        var released = await Task.WhenAll(ids.Select(id => Identity(id).EraseAsync([Self])));
        var suppress = ServiceProvider.GetRequiredService<IOptions<CdpPrivacyOptions>>().Value.AfterErasure == AfterErasure.Suppress;
        if (suppress)
        {
            var hasher = ServiceProvider.GetRequiredService<IdentifierHasher>();
            for (var i = 0; i < ids.Length; i++)
            {
                if (!released[i])
                {
                    continue;
                }

                // An identifier suppressed already (the erased ones, or by another request) keeps its record.
                var suppression = GrainFactory.GetGrain<ISuppressionGrain>(hasher.Hash(ids[i]));
                if ((await suppression.GetAsync()).RequestId is null && await suppression.BeginAsync(requestId) == requestId)
                {
                    await suppression.CompleteAsync(requestId, keep: true);
                }
            }
        }

        LogLateEventRefused(logger, Self, events.Length, requestId);
        var all = Enumerable.Repeat(true, events.Length).ToArray();
        return suppress
            ? new ApplyOutcome(new bool[events.Length], null, Dropped: all)
            : new ApplyOutcome(new bool[events.Length], null, Unrouted: all);
    }

    [LoggerMessage(EventId = 5002, Level = LogLevel.Information,
        Message = "{Count} event(s) looked up before customer {CustomerId} was erased (request {RequestId}) reached it "
            + "after; none was applied")]
    private static partial void LogLateEventRefused(ILogger logger, string customerId, int count, string requestId);

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Customer {CustomerId} erased: stored state and {Count} archived events removed")]
    private static partial void LogErased(ILogger logger, string customerId, long count);
}
