namespace Cdp;

/// <summary>What an identity journal entry records.</summary>
public enum IdentityAction : byte
{
    /// <summary>Another customer was merged into this one.</summary>
    Merged = 1,

    /// <summary>An event linked this customer to another, and the rules kept them apart.</summary>
    MergeRefused = 2,

    /// <summary>An identifier of an event was not attached, because attaching it would break a limit.</summary>
    IdentifierDemoted = 3,

    /// <summary>A merge was undone: the other side's events now form their own customer.</summary>
    Unmerged = 4,

    /// <summary>This customer was split off another by an unmerge.</summary>
    SplitFrom = 5,

    /// <summary>A merge joined two consent decisions that disagreed; the most restrictive was kept.</summary>
    ConsentResolved = 6,
}

/// <summary>
/// One identity decision about a profile: a merge, a refused merge, a demoted identifier, or an unmerge;
/// when, under which rule, because of which event, and which identifiers and customers it involved.
/// </summary>
[GenerateSerializer, Alias("cdp.identity-journal-entry")]
public sealed class IdentityJournalEntry
{
    /// <summary>A unique id; unmerge takes the id of a <see cref="IdentityAction.Merged"/> entry.</summary>
    [Id(0)] public required string EntryId { get; set; }

    [Id(1)] public IdentityAction Action { get; set; }

    /// <summary>When the platform decided (the first time, for refusals recorded more than once).</summary>
    [Id(2)] public DateTimeOffset At { get; set; }

    /// <summary>The event that linked the customers, or whose identifier was demoted.</summary>
    [Id(3)] public string? MessageId { get; set; }

    /// <summary>
    /// Which rule decided: <c>merge</c>, <c>limit:{type}</c>, <c>max-identifiers</c>, <c>max-merges</c>,
    /// <c>kept-apart</c>, <c>unmerge</c> or <c>consent:{purpose}</c>.
    /// </summary>
    [Id(4)] public required string Rule { get; set; }

    /// <summary>The customer that recorded the entry: the survivor of a merge.</summary>
    [Id(5)] public required string CustomerId { get; set; }

    /// <summary>The other customer: the absorbed one, the one kept apart, or the one split off.</summary>
    [Id(6)] public string? OtherCustomerId { get; set; }

    /// <summary>The identifiers the event carried, highest priority first.</summary>
    [Id(7)] public ExternalId[] Identifiers { get; set; } = [];

    /// <summary>
    /// For a merge, the event's identifiers that the absorbed customer held (the link); for a refusal or
    /// demotion, the identifier that was not attached.
    /// </summary>
    [Id(8)] public ExternalId[] LinkedIdentifiers { get; set; } = [];

    /// <summary>For a merge, every identifier the absorbed customer held; for an unmerge, those moved away.</summary>
    [Id(9)] public ExternalId[] MovedIdentifiers { get; set; } = [];

    /// <summary>One sentence saying what happened and why.</summary>
    [Id(10)] public string Detail { get; set; } = "";

    /// <summary>How many times the same refusal happened (same rule, identifier and other customer).</summary>
    [Id(11)] public long Count { get; set; } = 1;

    /// <summary>When a merge was undone, and by which unmerge entry.</summary>
    [Id(12)] public DateTimeOffset? UndoneAt { get; set; }

    [Id(13)] public string? UndoneBy { get; set; }

    /// <summary>The identity rules version that decided.</summary>
    [Id(14)] public int RulesVersion { get; set; }
}

/// <summary>Why an identifier belongs to its customer: where it first appeared, then each merge that carried it.</summary>
[GenerateSerializer, Immutable, Alias("cdp.identity-explanation")]
public sealed record IdentityExplanation(
    [property: Id(0)] ExternalId Identifier,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] IReadOnlyList<ExplanationStep> Steps)
{
    /// <summary>The explanation as lines of text, oldest step first.</summary>
    public override string ToString() => string.Join(Environment.NewLine, Steps.Select(s => s.Text));
}

/// <summary>One link of an explanation.</summary>
[GenerateSerializer, Immutable, Alias("cdp.explanation-step")]
public sealed record ExplanationStep(
    [property: Id(0)] IdentityAction? Action,
    [property: Id(1)] DateTimeOffset At,
    [property: Id(2)] string? MessageId,
    [property: Id(3)] string CustomerId,
    [property: Id(4)] string? OtherCustomerId,
    [property: Id(5)] IReadOnlyList<ExternalId> Identifiers,
    [property: Id(6)] string Text);
