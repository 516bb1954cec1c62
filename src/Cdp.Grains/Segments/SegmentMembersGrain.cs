using Cdp.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.segment-members-state")]
public sealed class SegmentMembersState : IIdSetSnapshot
{
    /// <summary>Customer ids, sorted (ordinal).</summary>
    [Id(0)] public List<string> Members { get; set; } = [];

    /// <summary>The last logged change that <see cref="Members"/> holds.</summary>
    [Id(1)] public long UpTo { get; set; }

    /// <summary>How many pages hold the ids when they are not in <see cref="Members"/> (<see cref="IdSetPages"/>).</summary>
    [Id(2)] public int Pages { get; set; }

    /// <summary>Names the pages of this snapshot.</summary>
    [Id(3)] public Guid Generation { get; set; }

    List<string> IIdSetSnapshot.Ids { get => Members; set => Members = value; }
}

/// <summary>
/// One shard of a segment's member list, sorted so that it pages by customer id. A change writes a short log of
/// changes, and the whole shard only now and then (<see cref="LoggedIdSet{TSnapshot}"/>). Reentrant: changes that
/// arrive while the shard is being written share the next write.
/// </summary>
[Reentrant]
public sealed class SegmentMembersGrain(
    [PersistentState("segment-members", CdpStorageNames.Profiles)] IPersistentState<SegmentMembersState> state,
    [PersistentState("segment-members-log", CdpStorageNames.Profiles)] IPersistentState<IdSetLog> log,
    IOptions<CdpSegmentOptions> options,
    ILogger<SegmentMembersGrain> logger)
    : Grain, ISegmentMembersGrain
{
    private const int MaxPageSize = 1000;

    private LoggedIdSet<SegmentMembersState>? _members;

    private LoggedIdSet<SegmentMembersState> Members =>
        _members ?? throw new InvalidOperationException("The member shard has not been activated.");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var pages = new IdSetPages(
            ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CdpStorageNames.Profiles), this.GetGrainId(), "segment-members", logger);
        _members = await LoggedIdSet<SegmentMembersState>.LoadAsync(state, log, pages, options.Value.SnapshotPageSize);
    }

    public Task SetAsync(string customerId, bool member)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        return Members.SetAsync(customerId, member);
    }

    public Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        return Task.FromResult(Members.Page(afterCustomerId, pageSize));
    }
}
