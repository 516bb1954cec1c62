using System.Globalization;
using System.Text.Json.Serialization;

namespace Cdp;

/// <summary>The Orleans stream provider and namespaces that segment messages travel on.</summary>
/// <summary>Where Cdp's streams (segment messages, erasure notices) travel.</summary>
public enum CdpStreamProvider
{
    /// <summary>In silo memory: fast, lost with the silo; the default.</summary>
    Memory = 0,

    /// <summary>Azure Queue storage (Azurite locally): messages survive a silo failure while they wait.</summary>
    AzureQueue = 1,
}

public static class SegmentStreams
{
    /// <summary>The stream provider's name, on silos and clients.</summary>
    public const string Provider = "cdp";

    /// <summary>Membership changes of segments; the stream key is the segment id.</summary>
    public const string Segments = "cdp.segments";

    /// <summary>Firings of triggers; the stream key is the trigger id.</summary>
    public const string Triggers = "cdp.triggers";

    /// <summary>The namespace of a kind's stream.</summary>
    public static string NamespaceOf(DefinitionKind kind) => kind == DefinitionKind.Trigger ? Triggers : Segments;
}

public enum SegmentChange : byte
{
    [JsonStringEnumMemberName("entered")] Entered = 1,
    [JsonStringEnumMemberName("exited")] Exited = 2,
    [JsonStringEnumMemberName("fired")] Fired = 3,
}

/// <summary>
/// A customer entered or left a segment, or a trigger fired for them. Published only for customers who granted the
/// definition's purpose; messages of one customer on one stream arrive in the order of <see cref="Sequence"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.segment-message.v1")]
public sealed record SegmentMessage
{
    /// <summary>The contract's version: 1.</summary>
    [Id(0)] public int SchemaVersion { get; init; } = 1;

    [Id(1)] public required SegmentChange Change { get; init; }

    [Id(2)] public required string CustomerId { get; init; }

    [Id(3)] public required string DefinitionId { get; init; }

    [Id(4)] public required long DefinitionVersion { get; init; }

    /// <summary>The event time of the triggering event, or the deadline that passed.</summary>
    [Id(5)] public required DateTimeOffset EventTime { get; init; }

    /// <summary>The event that caused the change; null when time did (a window expired, an absence deadline passed).</summary>
    [Id(6)] public string? MessageId { get; init; }

    /// <summary>The customer's identifiers of the types the definition exports.</summary>
    [Id(7)] public ExternalId[] Identifiers { get; init; } = [];

    /// <summary>The customer's traits that the definition exports (those the profile has).</summary>
    [Id(8)] public Dictionary<string, CdpValue> Traits { get; init; } = [];

    /// <summary>Counts up per customer across its messages: a subscriber sees one customer's messages in this order.</summary>
    [Id(9)] public long Sequence { get; init; }

    [Id(10)] public DateTimeOffset PublishedAt { get; init; }
}

/// <summary>One page of a segment's members (customers announced as members), ordered by shard then customer id.</summary>
[GenerateSerializer, Immutable, Alias("cdp.segment-member-page")]
public sealed record SegmentMemberPage(
    [property: Id(0)] string[] CustomerIds,
    [property: Id(1)] string? NextCursor);

/// <summary>How a segment's member list is split over <see cref="ISegmentMembersGrain"/> shards.</summary>
public static class SegmentMembers
{
    /// <summary>Shards per segment; part of the stored layout, so it does not change.</summary>
    public const int Shards = 16;

    /// <summary>The shard of a customer: a stable hash of its id (FNV-1a), so silos and clients agree.</summary>
    public static int ShardOf(string customerId) => (int)(Hash(customerId) % Shards);

    internal static uint Hash(string customerId)
    {
        ArgumentNullException.ThrowIfNull(customerId);
        var hash = 2166136261u;
        foreach (var c in customerId)
        {
            hash = (hash ^ c) * 16777619u;
        }

        return hash;
    }

    public static string KeyOf(string segmentId, int shard) => string.Create(CultureInfo.InvariantCulture, $"{segmentId}/{shard}");
}

/// <summary>How the customer index is split over <see cref="ICustomerIndexGrain"/> shards.</summary>
public static class CustomerIndex
{
    /// <summary>Shards of the index; part of the stored layout, so it does not change.</summary>
    public const int Shards = 64;

    /// <summary>The shard of a customer (the same stable hash as member lists).</summary>
    public static int ShardOf(string customerId) => (int)(SegmentMembers.Hash(customerId) % Shards);
}

/// <summary>A customer's segment and trigger states and computed traits.</summary>
[GenerateSerializer, Immutable, Alias("cdp.customer-segments")]
public sealed record CustomerSegments(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] SegmentMembership[] Memberships,
    [property: Id(2)] ComputedTraitValue[] ComputedTraits);
