using Orleans.Concurrency;

namespace Cdp;

/// <summary>
/// The catalog of segment, trigger and computed-trait definitions (one grain, key <c>default</c>). Every change
/// moves the catalog version; customer grains pick up a new version within <c>Cdp:Segments:CatalogRefresh</c>.
/// </summary>
[Alias("cdp.IDefinitionCatalogGrain")]
public interface IDefinitionCatalogGrain : IGrainWithStringKey
{
    /// <summary>Validates and stores a new definition as version 1; an existing id is a conflict.</summary>
    [Alias("create")]
    Task<SegmentDefinition> CreateAsync(SegmentDefinition definition);

    /// <summary>
    /// Validates and stores the definition as the next version. Its <see cref="SegmentDefinition.Version"/> must be
    /// the version stored (the one read), else the update is a conflict.
    /// </summary>
    [Alias("update")]
    Task<SegmentDefinition> UpdateAsync(SegmentDefinition definition);

    /// <summary>Removes the definition; false when there was none. A segment other definitions use cannot be removed.</summary>
    [Alias("delete")]
    Task<bool> DeleteAsync(string id);

    [Alias("get"), AlwaysInterleave]
    Task<SegmentDefinition?> GetAsync(string id);

    /// <summary>The whole catalog, or null when its version is still <paramref name="knownVersion"/>.</summary>
    [Alias("catalog"), AlwaysInterleave]
    Task<DefinitionCatalog?> GetCatalogAsync(long knownVersion);
}

/// <summary>
/// One shard of a segment's member list (key <c>segmentId/shard</c>): the customers announced as members, so the
/// list pages without visiting every customer.
/// </summary>
[Alias("cdp.ISegmentMembersGrain")]
public interface ISegmentMembersGrain : IGrainWithStringKey
{
    [Alias("set")]
    Task SetAsync(string customerId, bool member);

    /// <summary>Members after <paramref name="afterCustomerId"/> (ordinal), at most <paramref name="pageSize"/>.</summary>
    [Alias("page"), AlwaysInterleave]
    Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize);
}

/// <summary>
/// One shard of the customer index (key: the shard number): every customer that has received an event, so backfills
/// and other sweeps visit all customers without scanning grain storage.
/// </summary>
[Alias("cdp.ICustomerIndexGrain")]
public interface ICustomerIndexGrain : IGrainWithIntegerKey
{
    [Alias("add")]
    Task AddAsync(string customerId);

    /// <summary>Takes out a customer that was merged into another or erased; nothing happens for one not in the index.</summary>
    [Alias("remove")]
    Task RemoveAsync(string customerId);

    /// <summary>Customer ids after <paramref name="afterCustomerId"/> (ordinal), at most <paramref name="pageSize"/>.</summary>
    [Alias("page"), AlwaysInterleave]
    Task<string[]> GetPageAsync(string? afterCustomerId, int pageSize);

    [Alias("count"), AlwaysInterleave]
    Task<int> CountAsync();
}

/// <summary>Applies a definition to every existing customer (key: the definition id), with progress to watch.</summary>
[Alias("cdp.ISegmentBackfillGrain")]
public interface ISegmentBackfillGrain : IGrainWithStringKey
{
    /// <summary>Starts a backfill unless one is running; returns its progress at once.</summary>
    [Alias("start")]
    Task<BackfillProgress> StartAsync();

    [Alias("progress"), AlwaysInterleave]
    Task<BackfillProgress?> GetProgressAsync();
}

/// <summary>How far a backfill got: customers visited of those indexed when it started.</summary>
[GenerateSerializer, Immutable, Alias("cdp.backfill-progress")]
public sealed record BackfillProgress
{
    [Id(0)] public required string DefinitionId { get; init; }

    [Id(1)] public long DefinitionVersion { get; init; }

    [Id(2)] public int Total { get; init; }

    [Id(3)] public int Visited { get; init; }

    /// <summary>Customers whose evaluation failed (they are evaluated again at their next event or activation).</summary>
    [Id(4)] public int Failed { get; init; }

    [Id(5)] public bool Done { get; init; }

    [Id(6)] public DateTimeOffset StartedAt { get; init; }

    [Id(7)] public DateTimeOffset? FinishedAt { get; init; }
}
