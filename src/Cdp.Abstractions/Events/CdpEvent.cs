namespace Cdp;

/// <summary>
/// One event, shaped like a Segment tracking call so that Segment and RudderStack payloads map onto it
/// field for field. Treat an instance as immutable once it is sent: the SDK and the silo share it
/// without copying.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.event")]
public sealed record CdpEvent
{
    [Id(0)] public required EventType Type { get; init; }

    /// <summary>Unique per event; retries reuse it, so an event is applied once. The SDK fills it when empty.</summary>
    [Id(1)] public string? MessageId { get; init; }

    [Id(2)] public string? UserId { get; init; }

    [Id(3)] public string? AnonymousId { get; init; }

    /// <summary>Further identifiers of the customer (<c>email</c>, <c>crm_id</c>, <c>device_id</c>, …).</summary>
    [Id(4)] public ExternalId[]? Identifiers { get; init; }

    /// <summary>When the event happened, by the sender's clock. Defaults to the time it was received.</summary>
    [Id(5)] public DateTimeOffset? Timestamp { get; init; }

    /// <summary>When the sender sent it; with <see cref="Timestamp"/>, corrects the sender's clock skew.</summary>
    [Id(6)] public DateTimeOffset? SentAt { get; init; }

    /// <summary>Set by the platform when the event is accepted; a caller's value is replaced.</summary>
    [Id(7)] public DateTimeOffset? ReceivedAt { get; init; }

    /// <summary>The event name of a track call, e.g. <c>Order Completed</c>.</summary>
    [Id(8)] public string? Event { get; init; }

    /// <summary>The page or screen name of a page or screen call.</summary>
    [Id(9)] public string? Name { get; init; }

    /// <summary>The account of a group call.</summary>
    [Id(10)] public string? GroupId { get; init; }

    /// <summary>The earlier id of an alias call (an anonymous id or a former user id).</summary>
    [Id(11)] public string? PreviousId { get; init; }

    [Id(12)] public Dictionary<string, CdpValue>? Traits { get; init; }

    [Id(13)] public Dictionary<string, CdpValue>? Properties { get; init; }

    [Id(14)] public Dictionary<string, CdpValue>? Context { get; init; }

    [Id(15)] public Dictionary<string, CdpValue>? Integrations { get; init; }

    /// <summary>The system the event came from (<c>web</c>, <c>crm</c>, …); recorded as the provenance of traits.</summary>
    [Id(16)] public string? Source { get; init; }
}
