namespace Cdp;

/// <summary>Where a customer stands on one segment or trigger.</summary>
[GenerateSerializer, Alias("cdp.segment-membership")]
public sealed class SegmentMembership
{
    [Id(0)] public required string DefinitionId { get; set; }

    [Id(1)] public long Version { get; set; }

    [Id(2)] public DefinitionKind Kind { get; set; }

    /// <summary>Whether the condition holds (for a trigger: held at its last evaluation).</summary>
    [Id(3)] public bool Member { get; set; }

    /// <summary>Whether subscribers were last told the customer entered (consent allowing): they were told of every change.</summary>
    [Id(4)] public bool Announced { get; set; }

    /// <summary>When <see cref="Member"/> last changed.</summary>
    [Id(5)] public DateTimeOffset Since { get; set; }

    /// <summary>The event whose application changed it; null when time did (a window passed).</summary>
    [Id(6)] public string? MessageId { get; set; }
}

/// <summary>A computed trait's current value.</summary>
[GenerateSerializer, Alias("cdp.computed-trait")]
public sealed class ComputedTraitValue
{
    [Id(0)] public required string DefinitionId { get; set; }

    [Id(1)] public string Name { get; set; } = "";

    [Id(2)] public long Version { get; set; }

    /// <summary>Null when no event counts (an average, min, first … of nothing).</summary>
    [Id(3)] public CdpValue? Value { get; set; }

    [Id(4)] public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>
/// The bookkeeping that segment evaluation keeps per customer: what it has evaluated up to, and for each event
/// condition the tallies (or, for windows, the timestamps) it needs to be exact.
/// </summary>
[GenerateSerializer, Alias("cdp.segment-state")]
public sealed class SegmentEvaluationState
{
    /// <summary>The archive sequence of the last event evaluated.</summary>
    [Id(0)] public long Sequence { get; set; }

    /// <summary>The catalog version the memberships were last brought up to.</summary>
    [Id(1)] public long CatalogVersion { get; set; }

    /// <summary>Tallies by <c>definitionId#node</c>.</summary>
    [Id(2)] public Dictionary<string, SegmentTally> Tallies { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Counts the messages published for this customer, so subscribers can check their order.</summary>
    [Id(3)] public long Published { get; set; }

    /// <summary>The next time a window expires or an absence deadline passes.</summary>
    [Id(4)] public DateTimeOffset? NextDeadline { get; set; }

    /// <summary>Whether the customer is in the customer index.</summary>
    [Id(5)] public bool Indexed { get; set; }
}

/// <summary>What one event condition or computed trait has seen of its events.</summary>
[GenerateSerializer, Alias("cdp.segment-tally")]
public sealed class SegmentTally
{
    /// <summary>The definition version the tally was built for; another version starts over.</summary>
    [Id(0)] public long Version { get; set; }

    [Id(1)] public long Count { get; set; }

    [Id(2)] public double Sum { get; set; }

    [Id(3)] public double? Min { get; set; }

    [Id(4)] public double? Max { get; set; }

    [Id(5)] public CdpValue? First { get; set; }

    [Id(6)] public DateTimeOffset? FirstTime { get; set; }

    [Id(7)] public CdpValue? Last { get; set; }

    [Id(8)] public DateTimeOffset? LastTime { get; set; }

    /// <summary>Value counts (most frequent), by the value's JSON.</summary>
    [Id(9)] public Dictionary<string, long>? Frequencies { get; set; }

    /// <summary>For a window: the events in it (time and value), oldest first, bounded.</summary>
    [Id(10)] public List<TallyEntry>? Entries { get; set; }

    /// <summary>For an absence: the time of the latest "after" event.</summary>
    [Id(11)] public DateTimeOffset? After { get; set; }

    /// <summary>For an absence: whether the missing event followed the latest "after" event in time.</summary>
    [Id(12)] public bool Followed { get; set; }
}

[GenerateSerializer, Immutable, Alias("cdp.tally-entry")]
public sealed record TallyEntry([property: Id(0)] DateTimeOffset Time, [property: Id(1)] CdpValue? Value);
