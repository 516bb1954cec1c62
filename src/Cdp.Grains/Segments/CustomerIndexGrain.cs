using Cdp.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Concurrency;
using Orleans.Storage;

namespace Cdp.Grains.Segments;

[GenerateSerializer, Alias("cdp.customer-index-state")]
public sealed class CustomerIndexState : IIdSetSnapshot
{
    /// <summary>Customer ids, sorted (ordinal).</summary>
    [Id(0)] public List<string> Customers { get; set; } = [];

    /// <summary>The last logged change that <see cref="Customers"/> holds.</summary>
    [Id(1)] public long UpTo { get; set; }

    /// <summary>How many pages hold the ids when they are not in <see cref="Customers"/> (<see cref="IdSetPages"/>).</summary>
    [Id(2)] public int Pages { get; set; }

    /// <summary>Names the pages of this snapshot.</summary>
    [Id(3)] public Guid Generation { get; set; }

    List<string> IIdSetSnapshot.Ids { get => Customers; set => Customers = value; }
}

/// <summary>
/// One shard of the customer index, sorted so that it pages by customer id. An added customer writes a short log of
/// additions, and the whole shard only now and then (<see cref="LoggedIdSet{TSnapshot}"/>). Reentrant: customers
/// added while the shard is being written share the next write.
/// </summary>
[Reentrant]
public sealed class CustomerIndexGrain(
    [PersistentState("customer-index", CdpStorageNames.Profiles)] IPersistentState<CustomerIndexState> state,
    [PersistentState("customer-index-log", CdpStorageNames.Profiles)] IPersistentState<IdSetLog> log,
    IOptions<CdpSegmentOptions> options,
    ILogger<CustomerIndexGrain> logger)
    : Grain, ICustomerIndexGrain
{
    private const int MaxPageSize = 5000;

    private LoggedIdSet<CustomerIndexState>? _customers;

    private LoggedIdSet<CustomerIndexState> Customers =>
        _customers ?? throw new InvalidOperationException("The index shard has not been activated.");

    public override async Task OnActivateAsync(CancellationToken cancellationToken)
    {
        var pages = new IdSetPages(
            ServiceProvider.GetRequiredKeyedService<IGrainStorage>(CdpStorageNames.Profiles), this.GetGrainId(), "customer-index", logger);
        _customers = await LoggedIdSet<CustomerIndexState>.LoadAsync(state, log, pages, options.Value.SnapshotPageSize);
    }

    // A customer whose write failed stays in memory and is written by the next call; the caller's error makes it retry.
    public Task AddAsync(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        return Customers.SetAsync(customerId, present: true);
    }

    public Task RemoveAsync(string customerId)
    {
        ArgumentException.ThrowIfNullOrEmpty(customerId);
        return Customers.SetAsync(customerId, present: false);
    }

    public Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(pageSize, 1);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(pageSize, MaxPageSize);
        return Task.FromResult(Customers.Page(afterCustomerId, pageSize));
    }

    public Task<int> CountAsync() => Task.FromResult(Customers.Ids.Count);
}
