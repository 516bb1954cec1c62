namespace Cdp.Grains.Customers;

/// <summary>
/// What a customer grain persists: a snapshot of the profile as of <see cref="CustomerProfile.Sequence"/>,
/// whether the customer was merged away, and the identity work it has started but not finished.
/// </summary>
[GenerateSerializer, Alias("cdp.customer-state")]
public sealed class CustomerState
{
    [Id(0)] public CustomerProfile Profile { get; set; } = new();

    /// <summary>The survivor this customer was merged into; set, the customer is a tombstone that forwards.</summary>
    [Id(1)] public string? MergedInto { get; set; }

    /// <summary>Merges started here and not yet finished; finished (or dropped) when the grain activates.</summary>
    [Id(2)] public List<PendingMerge> PendingMerges { get; set; } = [];

    /// <summary>An unmerge started here and not yet finished; resumed when the grain activates.</summary>
    [Id(3)] public PendingUnmerge? PendingUnmerge { get; set; }

    /// <summary>
    /// Identifiers (identity keys) that an unmerge moved to another customer: events routed here on an older
    /// lookup are sent on to that customer.
    /// </summary>
    [Id(4)] public Dictionary<string, string> MovedIdentifiers { get; set; } = new(StringComparer.Ordinal);

    /// <summary>
    /// The privacy request that erased this customer; set, the state is only this marker (no personal data), and an
    /// event routed here on a lookup made before the erasure is dropped instead of starting the customer again.
    /// </summary>
    [Id(5)] public string? ErasedBy { get; set; }
}

/// <summary>A merge in progress: the seal request sent to the absorbed customer and the link that caused it.</summary>
[GenerateSerializer, Alias("cdp.pending-merge")]
public sealed class PendingMerge
{
    [Id(0)] public required string EntryId { get; set; }

    [Id(1)] public required string Absorbed { get; set; }

    [Id(2)] public required SealRequest Request { get; set; }

    [Id(3)] public ExternalId[] EventIdentifiers { get; set; } = [];

    [Id(4)] public ExternalId[] LinkedIdentifiers { get; set; } = [];

    /// <summary>The survivor's consent decisions in force when the merge started.</summary>
    [Id(5)] public ConsentRecord[] SurvivorConsent { get; set; } = [];
}

/// <summary>An unmerge in progress and how far it got.</summary>
[GenerateSerializer, Alias("cdp.pending-unmerge")]
public sealed class PendingUnmerge
{
    /// <summary>The merge entry being undone.</summary>
    [Id(0)] public required string MergeEntryId { get; set; }

    /// <summary>The entry that records the unmerge.</summary>
    [Id(1)] public required string UnmergeEntryId { get; set; }

    /// <summary>The customer the moving side becomes.</summary>
    [Id(2)] public required string NewCustomerId { get; set; }

    [Id(3)] public UnmergeStage Stage { get; set; }

    [Id(4)] public DateTimeOffset At { get; set; }
}

public enum UnmergeStage : byte
{
    /// <summary>Copying the moving side's events to the new customer and rewriting linking events.</summary>
    Copying = 0,

    /// <summary>Removing the moved events from this customer's archive.</summary>
    Pruning = 1,

    /// <summary>Rebuilding this profile, re-pointing identifiers and starting the new customer.</summary>
    Finishing = 2,
}
