using System.Text.Json.Serialization;

namespace Cdp;

/// <summary>
/// A segment's condition, as a tree. The same tree has a JSON form (the node's <c>type</c> names it) and a text
/// form; see <c>docs/segments.md</c>. Nodes are immutable.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.condition")]
[JsonPolymorphic(TypeDiscriminatorPropertyName = "type", UnknownDerivedTypeHandling = JsonUnknownDerivedTypeHandling.FailSerialization)]
[JsonDerivedType(typeof(TraitCondition), "trait")]
[JsonDerivedType(typeof(EventCondition), "event")]
[JsonDerivedType(typeof(ConsentCondition), "consent")]
[JsonDerivedType(typeof(IdentifierCondition), "identifier")]
[JsonDerivedType(typeof(MemberCondition), "member")]
[JsonDerivedType(typeof(AbsenceCondition), "absence")]
[JsonDerivedType(typeof(AndCondition), "and")]
[JsonDerivedType(typeof(OrCondition), "or")]
[JsonDerivedType(typeof(NotCondition), "not")]
public abstract record Condition;

/// <summary>How a value is compared: with a trait, an event property, or an aggregate.</summary>
public enum ValueOperator : byte
{
    [JsonStringEnumMemberName("eq")] Equal = 1,
    [JsonStringEnumMemberName("ne")] NotEqual = 2,
    [JsonStringEnumMemberName("gt")] Greater = 3,
    [JsonStringEnumMemberName("gte")] GreaterOrEqual = 4,
    [JsonStringEnumMemberName("lt")] Less = 5,
    [JsonStringEnumMemberName("lte")] LessOrEqual = 6,

    /// <summary>A string containing the text (ordinal), or an array containing the value.</summary>
    [JsonStringEnumMemberName("contains")] Contains = 7,

    /// <summary>A string starting with the text (ordinal).</summary>
    [JsonStringEnumMemberName("starts_with")] StartsWith = 8,

    /// <summary>Equal to one of the values of an array.</summary>
    [JsonStringEnumMemberName("in")] In = 9,

    /// <summary>Present and not null; takes no value.</summary>
    [JsonStringEnumMemberName("exists")] Exists = 10,
}

/// <summary>A trait of the profile compared with a value: <c>trait("plan") = "pro"</c>.</summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.trait")]
public sealed record TraitCondition : Condition
{
    [Id(0)] public required string Trait { get; init; }

    [Id(1)] public required ValueOperator Op { get; init; }

    /// <summary>
    /// The value to compare with; an array for <see cref="ValueOperator.In"/>; none for <see cref="ValueOperator.Exists"/>.
    /// </summary>
    [Id(2)] public CdpValue? Value { get; init; }
}

/// <summary>A filter on an event's property: <c>prop("currency") = "EUR"</c>.</summary>
[GenerateSerializer, Immutable, Alias("cdp.property-filter")]
public sealed record PropertyFilter
{
    [Id(0)] public required string Property { get; init; }

    [Id(1)] public required ValueOperator Op { get; init; }

    [Id(2)] public CdpValue? Value { get; init; }
}

/// <summary>What an event condition counts.</summary>
public enum AggregateKind : byte
{
    /// <summary>The number of matching events.</summary>
    [JsonStringEnumMemberName("count")] Count = 1,

    /// <summary>The sum of a numeric property of the matching events (non-numbers count as nothing).</summary>
    [JsonStringEnumMemberName("sum")] Sum = 2,
}

/// <summary>
/// The count, or the sum of a property, of events of a name (and matching the filters), ever or within a sliding
/// window ending now, compared with a number: <c>count("Order Completed", 30d) >= 3</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.event")]
public sealed record EventCondition : Condition
{
    [Id(0)] public required AggregateKind Aggregate { get; init; }

    /// <summary>The event name (a track event, or <c>Page Viewed</c> / <c>Screen Viewed</c>).</summary>
    [Id(1)] public required string Event { get; init; }

    /// <summary>The numeric property summed; only for <see cref="AggregateKind.Sum"/>.</summary>
    [Id(2)] public string? Property { get; init; }

    /// <summary>Only events whose properties match every filter count.</summary>
    [Id(3)] public PropertyFilter[]? Where { get; init; }

    /// <summary>Only events in this time before now count; null: every event ever.</summary>
    [Id(4)] public TimeSpan? Window { get; init; }

    /// <summary>A comparison: eq, ne, gt, gte, lt or lte.</summary>
    [Id(5)] public required ValueOperator Op { get; init; }

    [Id(6)] public required double Value { get; init; }

    public bool Equals(EventCondition? other) =>
        other is not null && Aggregate == other.Aggregate && Event == other.Event && Property == other.Property &&
        Window == other.Window && Op == other.Op && Value.Equals(other.Value) && (Where ?? []).AsSpan().SequenceEqual(other.Where ?? []);

    public override int GetHashCode() => HashCode.Combine(Aggregate, Event, Property, Window, Op, Value);
}

/// <summary>Consent granted (and unexpired) for a purpose of the catalog: <c>consent("email_marketing")</c>.</summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.consent")]
public sealed record ConsentCondition : Condition
{
    [Id(0)] public required string Purpose { get; init; }
}

/// <summary>The profile holds an identifier of a type: <c>has_id("email")</c>.</summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.identifier")]
public sealed record IdentifierCondition : Condition
{
    [Id(0)] public required string IdentifierType { get; init; }
}

/// <summary>The customer is a member of another segment: <c>member("high-value")</c>.</summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.member")]
public sealed record MemberCondition : Condition
{
    [Id(0)] public required string SegmentId { get; init; }
}

/// <summary>
/// An event happened and another did not follow it within a time (cart abandonment): true once
/// <see cref="Within"/> has passed since the latest <see cref="After"/> event with no <see cref="Missing"/> event
/// in between; false again at the next <see cref="After"/> event. Text: <c>not_followed_by("Product Added", "Order Completed", 1h)</c>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.condition.absence")]
public sealed record AbsenceCondition : Condition
{
    [Id(0)] public required string After { get; init; }

    [Id(1)] public required string Missing { get; init; }

    [Id(2)] public required TimeSpan Within { get; init; }
}

[GenerateSerializer, Immutable, Alias("cdp.condition.and")]
public sealed record AndCondition : Condition
{
    [Id(0)] public required Condition[] Conditions { get; init; }

    public bool Equals(AndCondition? other) => other is not null && Conditions.AsSpan().SequenceEqual(other.Conditions);

    public override int GetHashCode() => Conditions.Length;
}

[GenerateSerializer, Immutable, Alias("cdp.condition.or")]
public sealed record OrCondition : Condition
{
    [Id(0)] public required Condition[] Conditions { get; init; }

    public bool Equals(OrCondition? other) => other is not null && Conditions.AsSpan().SequenceEqual(other.Conditions);

    public override int GetHashCode() => Conditions.Length;
}

[GenerateSerializer, Immutable, Alias("cdp.condition.not")]
public sealed record NotCondition : Condition
{
    [Id(0)] public required Condition Condition { get; init; }
}

/// <summary>How a computed trait is made from the events of a name.</summary>
public enum ComputedFunction : byte
{
    [JsonStringEnumMemberName("count")] Count = 1,
    [JsonStringEnumMemberName("sum")] Sum = 2,
    [JsonStringEnumMemberName("average")] Average = 3,
    [JsonStringEnumMemberName("min")] Min = 4,
    [JsonStringEnumMemberName("max")] Max = 5,

    /// <summary>The property's value on the earliest event (by event time).</summary>
    [JsonStringEnumMemberName("first")] First = 6,

    /// <summary>The property's value on the latest event (by event time).</summary>
    [JsonStringEnumMemberName("last")] Last = 7,

    /// <summary>The value seen most often (ties: the one seen first).</summary>
    [JsonStringEnumMemberName("most_frequent")] MostFrequent = 8,
}

/// <summary>
/// A value kept on the profile from events: <c>average("Order Completed", "revenue", 90d)</c>. Every function but
/// <see cref="ComputedFunction.Count"/> reads <see cref="Property"/>.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.computed-trait-spec")]
public sealed record ComputedTraitSpec
{
    [Id(0)] public required ComputedFunction Function { get; init; }

    [Id(1)] public required string Event { get; init; }

    [Id(2)] public string? Property { get; init; }

    [Id(3)] public PropertyFilter[]? Where { get; init; }

    [Id(4)] public TimeSpan? Window { get; init; }

    public bool Equals(ComputedTraitSpec? other) =>
        other is not null && Function == other.Function && Event == other.Event && Property == other.Property &&
        Window == other.Window && (Where ?? []).AsSpan().SequenceEqual(other.Where ?? []);

    public override int GetHashCode() => HashCode.Combine(Function, Event, Property, Window);
}
