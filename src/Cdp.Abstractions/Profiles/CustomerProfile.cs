namespace Cdp;

/// <summary>The four kinds of customer data a profile is made of.</summary>
public enum ProfileSection : byte
{
    /// <summary>Who the customer is: name, contact, demographics, job title.</summary>
    Personal = 1,

    /// <summary>How the customer engages: page and screen views, email opens, social and support interactions, ad conversions.</summary>
    Engagement = 2,

    /// <summary>What the customer does: orders, subscriptions, device use, loyalty, cart abandonment.</summary>
    Behavioral = 3,

    /// <summary>What the customer thinks: feedback, surveys, NPS, sentiment.</summary>
    Attitudinal = 4,
}

/// <summary>
/// The live 360° profile of one customer, as its grain holds it. A read returns a copy: changing it
/// changes nothing on the platform.
/// </summary>
[GenerateSerializer, Alias("cdp.profile")]
public sealed class CustomerProfile
{
    [Id(0)] public string CustomerId { get; set; } = "";

    /// <summary>The earliest event time seen.</summary>
    [Id(1)] public DateTimeOffset? FirstSeen { get; set; }

    /// <summary>The latest event time seen.</summary>
    [Id(2)] public DateTimeOffset? LastSeen { get; set; }

    [Id(3)] public List<IdentifierRecord> Identifiers { get; set; } = [];

    /// <summary>Traits by name, each the value of the newest event that set it.</summary>
    [Id(4)] public Dictionary<string, TraitValue> Traits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Aggregates by event name (track event name; <c>Page Viewed</c>, <c>Screen Viewed</c>).</summary>
    [Id(5)] public Dictionary<string, EventAggregate> Events { get; set; } = new(StringComparer.Ordinal);

    /// <summary>The most recent events by event time, oldest first, bounded by configuration (default 100).</summary>
    [Id(6)] public List<RecentEvent> RecentEvents { get; set; } = [];

    /// <summary>Groups (accounts) the customer belongs to, by group id.</summary>
    [Id(7)] public Dictionary<string, GroupMembership> Groups { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Events applied (duplicates are not counted).</summary>
    [Id(9)] public long EventCount { get; set; }

    /// <summary>The archive sequence number of the last event applied.</summary>
    [Id(10)] public long Sequence { get; set; }

    /// <summary>Identity decisions: merges, refused merges, demoted identifiers and unmerges, oldest first.</summary>
    [Id(11)] public List<IdentityJournalEntry> Journal { get; set; } = [];

    /// <summary>The customers merged into this one, directly or through earlier merges.</summary>
    [Id(12)] public List<string> Absorbed { get; set; } = [];

    /// <summary>Customers an unmerge separated from this one; the resolver never merges them again.</summary>
    [Id(13)] public List<string> KeptApart { get; set; } = [];

    /// <summary>The consent decisions in force, by purpose (or <c>purpose/channel</c>): for each, the newest by event time.</summary>
    [Id(14)] public Dictionary<string, ConsentRecord> Consent { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Every consent decision received, in the order applied (bounded by configuration, oldest dropped first).</summary>
    [Id(15)] public List<ConsentRecord> ConsentHistory { get; set; } = [];

    /// <summary>Segment and trigger states by definition id.</summary>
    [Id(30)] public Dictionary<string, SegmentMembership> Segments { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Computed trait values by definition id.</summary>
    [Id(31)] public Dictionary<string, ComputedTraitValue> ComputedTraits { get; set; } = new(StringComparer.Ordinal);

    /// <summary>Segment evaluation's bookkeeping (tallies and timestamps for exact windows).</summary>
    [Id(32)] public SegmentEvaluationState SegmentState { get; set; } = new();

    public IEnumerable<KeyValuePair<string, TraitValue>> TraitsIn(ProfileSection section) =>
        Traits.Where(t => t.Value.Section == section);

    public IEnumerable<EventAggregate> EventsIn(ProfileSection section) =>
        Events.Values.Where(e => e.Section == section);

    /// <summary>
    /// The consent status for a purpose (and channel) at <paramref name="now"/>: of the channel's own decision and the
    /// whole purpose's, the newer by event time (a later "no to everything" overrides an earlier channel grant, and a
    /// later channel grant an earlier refusal of the purpose); an expired grant and no decision are
    /// <see cref="ConsentStatus.Unknown"/>.
    /// </summary>
    public ConsentStatus ConsentFor(string purpose, string? channel, DateTimeOffset now)
    {
        Consent.TryGetValue(purpose, out var forPurpose);
        if (channel is not null && Consent.TryGetValue(string.Concat(purpose, "/", channel), out var forChannel) &&
            (forPurpose is null || forChannel.EventTime >= forPurpose.EventTime))
        {
            return forChannel.StatusAt(now);
        }

        return forPurpose?.StatusAt(now) ?? ConsentStatus.Unknown;
    }

    public bool HasIdentifier(ExternalId id)
    {
        foreach (var record in Identifiers)
        {
            if (string.Equals(record.Type, id.Type, StringComparison.Ordinal) &&
                string.Equals(record.Value, id.Value, StringComparison.Ordinal))
            {
                return true;
            }
        }

        return false;
    }
}

[GenerateSerializer, Alias("cdp.identifier-record")]
public sealed class IdentifierRecord
{
    [Id(0)] public required string Type { get; set; }

    [Id(1)] public required string Value { get; set; }

    /// <summary>Event time of the earliest event that carried it.</summary>
    [Id(2)] public DateTimeOffset FirstSeen { get; set; }

    [Id(3)] public string? Source { get; set; }

    [Id(4)] public string? MessageId { get; set; }

    public ExternalId ToExternalId() => new(Type, Value);
}

/// <summary>A trait's value with its provenance: which source set it, by which event, when.</summary>
[GenerateSerializer, Alias("cdp.trait")]
public sealed class TraitValue
{
    [Id(0)] public required CdpValue Value { get; set; }

    [Id(1)] public string? Source { get; set; }

    /// <summary>When the event that set the value happened.</summary>
    [Id(2)] public DateTimeOffset EventTime { get; set; }

    /// <summary>When the platform received that event.</summary>
    [Id(3)] public DateTimeOffset ReceivedAt { get; set; }

    [Id(4)] public string? MessageId { get; set; }

    [Id(5)] public ProfileSection Section { get; set; }
}

[GenerateSerializer, Alias("cdp.event-aggregate")]
public sealed class EventAggregate
{
    [Id(0)] public required string Name { get; set; }

    [Id(1)] public long Count { get; set; }

    [Id(2)] public DateTimeOffset FirstTime { get; set; }

    [Id(3)] public DateTimeOffset LastTime { get; set; }

    /// <summary>Sum of the numeric <c>revenue</c> property (or <c>value</c> where there is no revenue).</summary>
    [Id(4)] public decimal Sum { get; set; }

    [Id(5)] public ProfileSection Section { get; set; }
}

[GenerateSerializer, Alias("cdp.recent-event")]
public sealed class RecentEvent
{
    [Id(0)] public required string MessageId { get; set; }

    [Id(1)] public EventType Type { get; set; }

    /// <summary>The event name of a track call, the page or screen name, or the group id.</summary>
    [Id(2)] public string? Name { get; set; }

    [Id(3)] public DateTimeOffset EventTime { get; set; }

    [Id(4)] public DateTimeOffset ReceivedAt { get; set; }

    [Id(5)] public ProfileSection Section { get; set; }

    [Id(6)] public string? Source { get; set; }

    [Id(7)] public long Sequence { get; set; }
}

[GenerateSerializer, Alias("cdp.group-membership")]
public sealed class GroupMembership
{
    [Id(0)] public required string GroupId { get; set; }

    [Id(1)] public Dictionary<string, CdpValue> Traits { get; set; } = new(StringComparer.Ordinal);

    [Id(2)] public DateTimeOffset EventTime { get; set; }

    [Id(3)] public string? MessageId { get; set; }
}
