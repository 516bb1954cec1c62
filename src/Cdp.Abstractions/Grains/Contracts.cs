namespace Cdp;

/// <summary>
/// What became of one accepted event. <see cref="Suppressed"/>: it carried an identifier erased by a privacy request
/// and was dropped (<see cref="CustomerId"/> is empty).
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.event-receipt")]
public readonly record struct EventReceipt(
    [property: Id(0)] string MessageId,
    [property: Id(1)] string CustomerId,
    [property: Id(2)] bool Duplicate,
    [property: Id(3)] bool Suppressed = false)
{
    /// <summary>The receipt of an event dropped because it carries an erased identifier: applied to no customer.</summary>
    public static EventReceipt OfSuppressed(string messageId) => new(messageId, string.Empty, false, Suppressed: true);
}

/// <summary>One archived event with its place in the customer's archive.</summary>
[GenerateSerializer, Immutable, Alias("cdp.archived-event")]
public sealed record ArchivedEvent([property: Id(0)] long Sequence, [property: Id(1)] CdpEvent Event);

/// <summary>A page of a customer's archived events, oldest first.</summary>
[GenerateSerializer, Immutable, Alias("cdp.event-page")]
public sealed record EventPage(
    [property: Id(0)] IReadOnlyList<ArchivedEvent> Events,
    [property: Id(1)] long? NextAfterSequence)
{
    public static readonly EventPage Empty = new([], null);
}
