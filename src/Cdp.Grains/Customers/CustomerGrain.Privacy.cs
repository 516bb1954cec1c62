using Microsoft.Extensions.Logging;

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

    public async Task<long> EraseAsync()
    {
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

        state.State = new CustomerState();
        state.State.Profile.CustomerId = customerId;
        _reserved.Clear();
        _applied = new RecentIds(_options.RememberedMessageIds);
        _snapshotSequence = 0;

        // Nothing of the customer stays in silo memory either.
        DeactivateOnIdle();
        LogErased(logger, customerId, removed);
        return removed;
    }

    [LoggerMessage(EventId = 5001, Level = LogLevel.Information,
        Message = "Customer {CustomerId} erased: stored state and {Count} archived events removed")]
    private static partial void LogErased(ILogger logger, string customerId, long count);
}
