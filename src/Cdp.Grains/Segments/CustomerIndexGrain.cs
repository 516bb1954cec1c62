using Cdp.Grains.Hosting;
using Orleans.Concurrency;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.customer-index-state")]
public sealed class CustomerIndexState
{
    /// <summary>Customer ids, sorted (ordinal).</summary>
    [Id(0)] public List<string> Customers { get; set; } = [];
}

/// <summary>
/// One shard of the customer index, sorted so that it pages by customer id. Reentrant: customers added while the shard
/// is being written share the next write (<see cref="StateWrites"/>).
/// </summary>
[Reentrant]
public sealed class CustomerIndexGrain(
    [PersistentState("customer-index", CdpStorageNames.Profiles)] IPersistentState<CustomerIndexState> state)
    : Grain, ICustomerIndexGrain
{
    private const int MaxPageSize = 5000;

    private StateWrites? _writes;

    // A customer whose write failed stays in memory and is written by the next call; the caller's error makes it retry.
    public Task AddAsync(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var writes = _writes ??= new StateWrites(state.WriteStateAsync);
        var customers = state.State.Customers;
        var index = customers.BinarySearch(customerId, StringComparer.Ordinal);
        if (index >= 0)
        {
            return writes.Unsaved ? writes.WriteAsync() : Task.CompletedTask;
        }

        customers.Insert(~index, customerId);
        return writes.WriteAsync();
    }

    public Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        var customers = state.State.Customers;
        var start = 0;
        if (afterCustomerId is not null)
        {
            var index = customers.BinarySearch(afterCustomerId, StringComparer.Ordinal);
            start = index >= 0 ? index + 1 : ~index;
        }

        return Task.FromResult(customers.Skip(start).Take(pageSize).ToArray());
    }

    public Task<int> CountAsync() => Task.FromResult(state.State.Customers.Count);
}
