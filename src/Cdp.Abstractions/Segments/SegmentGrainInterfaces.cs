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
