namespace Cdp;

/// <summary>
/// What a customer grain did with routed events: per event, applied (false: a duplicate), sent elsewhere, or handed
/// back because it came on a remembered route that no longer holds.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.apply-outcome")]
public sealed record ApplyOutcome(
    [property: Id(0)] bool[] Applied,
    [property: Id(1)] string?[]? Redirects,
    [property: Id(2)] bool[]? Unrouted = null,
    [property: Id(3)] bool[]? Dropped = null)
{
    /// <summary>
    /// True when event <paramref name="index"/> reached a customer erased after the event was looked up: nothing was
    /// applied, and the event is dropped like one that carries an erased identifier.
    /// </summary>
    public bool IsDropped(int index) => Dropped?[index] == true;

    /// <summary>The customer that event <paramref name="index"/> belongs to instead, when this one did not take it.</summary>
    public string? RedirectOf(int index) => Redirects?[index];

    /// <summary>
    /// True when event <paramref name="index"/> came on a remembered route and this customer no longer holds all of
    /// its identifiers: nothing was applied, and the event needs a full resolution.
    /// </summary>
    public bool IsUnrouted(int index) => Unrouted?[index] == true;
}

/// <summary>An event's identifiers and their owners as the resolver found them, for the customer that settles them.</summary>
[GenerateSerializer, Immutable, Alias("cdp.resolve-request")]
public sealed record ResolveRequest(
    [property: Id(0)] string MessageId,
    [property: Id(1)] ExternalId[] Identifiers,
    [property: Id(2)] string?[] Owners,
    [property: Id(3)] DateTimeOffset EventTime);

public enum ResolveStatus : byte
{
    /// <summary>Every identifier of the event now belongs to <see cref="ResolveOutcome.CustomerId"/>.</summary>
    Resolved = 1,

    /// <summary>The customer was merged, or another customer must settle the event: ask <see cref="ResolveOutcome.CustomerId"/>.</summary>
    Redirect = 2,

    /// <summary>The rules keep the customers apart: resolve again without <see cref="ResolveOutcome.Demoted"/>.</summary>
    Demote = 3,
}

/// <summary>
/// The answer to a <see cref="ResolveRequest"/>. <see cref="Owners"/> gives the owners as the customer
/// learned them (merged customers replaced by their survivors), for the resolver's next attempt.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.resolve-outcome")]
public sealed record ResolveOutcome(
    [property: Id(0)] ResolveStatus Status,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] ExternalId? Demoted,
    [property: Id(3)] string?[]? Owners = null);

/// <summary>A survivor's request that another customer becomes its tombstone, with what the rules need to decide.</summary>
[GenerateSerializer, Immutable, Alias("cdp.seal-request")]
public sealed record SealRequest(
    [property: Id(0)] string SurvivorId,
    [property: Id(1)] string MessageId,
    [property: Id(2)] DateTimeOffset EventTime,
    [property: Id(3)] ExternalId[] SurvivorIdentifiers,
    [property: Id(4)] DateTimeOffset[] SurvivorFirstSeen,
    [property: Id(5)] string[] SurvivorAbsorbed,
    [property: Id(6)] string[] SurvivorKeptApart,
    [property: Id(7)] IdentityRules Rules);

public enum SealStatus : byte
{
    /// <summary>The customer is now a tombstone of the survivor (or already was): absorb it.</summary>
    Sealed = 1,

    /// <summary>The customer was merged into another survivor, <see cref="SealOutcome.MergedInto"/>.</summary>
    MergedElsewhere = 2,

    /// <summary>The rules keep the two apart; <see cref="SealOutcome.Rule"/> and <see cref="SealOutcome.Reason"/> say why.</summary>
    Refused = 3,
}

/// <summary>The answer to a <see cref="SealRequest"/>: on success, what the survivor takes over besides the archived events.</summary>
[GenerateSerializer, Immutable, Alias("cdp.seal-outcome")]
public sealed record SealOutcome(
    [property: Id(0)] SealStatus Status,
    [property: Id(1)] string? MergedInto,
    [property: Id(2)] string? Rule,
    [property: Id(3)] string? Reason,
    [property: Id(4)] ExternalId[] Identifiers,
    [property: Id(5)] string[] Absorbed,
    [property: Id(6)] string[] KeptApart,
    [property: Id(7)] IdentityJournalEntry[] Journal)
{
    /// <summary>The absorbed customer's consent decisions in force, so that the survivor can settle disagreements.</summary>
    [Id(8)] public ConsentRecord[] Consent { get; init; } = [];
}
