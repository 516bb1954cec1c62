using Cdp.Grains.Hosting;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.customer-index-state")]
public sealed class CustomerIndexState
{
    /// <summary>Customer ids, sorted (ordinal).</summary>
    [Id(0)] public List<string> Customers { get; set; } = [];
}

/// <summary>One shard of the customer index, sorted so that it pages by customer id.</summary>
public sealed class CustomerIndexGrain(
    [PersistentState("customer-index", CdpStorageNames.Profiles)] IPersistentState<CustomerIndexState> state)
    : Grain, ICustomerIndexGrain
{
    private const int MaxPageSize = 5000;

    public async Task AddAsync(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        var customers = state.State.Customers;
        var index = customers.BinarySearch(customerId, StringComparer.Ordinal);
        if (index >= 0)
        {
            return;
        }

        customers.Insert(~index, customerId);
        try
        {
            await state.WriteStateAsync();
        }
        catch
        {
            customers.Remove(customerId);
            throw;
        }
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
