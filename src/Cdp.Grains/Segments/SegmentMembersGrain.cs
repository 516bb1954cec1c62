using Cdp.Grains.Hosting;
using Orleans.Concurrency;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.segment-members-state")]
public sealed class SegmentMembersState
{
    /// <summary>Customer ids, sorted (ordinal).</summary>
    [Id(0)] public List<string> Members { get; set; } = [];
}

/// <summary>
/// One shard of a segment's member list, sorted so that it pages by customer id. Reentrant: changes that arrive while
/// the shard is being written share the next write (<see cref="StateWrites"/>).
/// </summary>
[Reentrant]
public sealed class SegmentMembersGrain(
    [PersistentState("segment-members", CdpStorageNames.Profiles)] IPersistentState<SegmentMembersState> state)
    : Grain, ISegmentMembersGrain
{
    private const int MaxPageSize = 1000;

    private StateWrites? _writes;

    public Task SetAsync(string customerId, bool member)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var writes = _writes ??= new StateWrites(state.WriteStateAsync);
        var members = state.State.Members;
        var index = members.BinarySearch(customerId, StringComparer.Ordinal);
        if (member == index >= 0)
        {
            return writes.Unsaved ? writes.WriteAsync() : Task.CompletedTask;
        }

        if (member)
        {
            members.Insert(~index, customerId);
        }
        else
        {
            members.RemoveAt(index);
        }

        return writes.WriteAsync();
    }

    public Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var members = state.State.Members;
        var start = 0;
        if (afterCustomerId is not null)
        {
            var index = members.BinarySearch(afterCustomerId, StringComparer.Ordinal);
            start = index >= 0 ? index + 1 : ~index;
        }

        return Task.FromResult(members.Skip(start).Take(pageSize).ToArray());
    }
}
