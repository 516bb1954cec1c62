namespace Cdp.Client;

/// <summary>
/// Who an event is about: a user id, an anonymous id, and any further identifiers. At least one is needed.
/// </summary>
/// <example><c>CustomerRef.User("u-42").And(IdentifierTypes.Email, "ada@example.com")</c></example>
public sealed record CustomerRef
{
    public string? UserId { get; init; }

    public string? AnonymousId { get; init; }

    public ExternalId[]? Identifiers { get; init; }

    public static CustomerRef User(string userId) => new() { UserId = userId };

    public static CustomerRef Anonymous(string anonymousId) => new() { AnonymousId = anonymousId };

    public static CustomerRef By(string type, string value) => new() { Identifiers = [new ExternalId(type, value)] };

    public static implicit operator CustomerRef(ExternalId id) => new() { Identifiers = [id] };

    /// <summary>A copy with one more identifier.</summary>
    public CustomerRef And(string type, string value) =>
        this with { Identifiers = [.. Identifiers ?? [], new ExternalId(type, value)] };
}

/// <summary>The optional parts of an event that the typed calls do not name.</summary>
public sealed record EventOptions
{
    /// <summary>Reuse the same id when retrying, so the event is applied once. Generated when absent.</summary>
    public string? MessageId { get; init; }

    /// <summary>When the event happened. Defaults to when the platform receives it.</summary>
    public DateTimeOffset? Timestamp { get; init; }

    public DateTimeOffset? SentAt { get; init; }

    /// <summary>The source system; defaults to <see cref="CdpClientOptions.Source"/>.</summary>
    public string? Source { get; init; }

    public Dictionary<string, CdpValue>? Context { get; init; }

    public Dictionary<string, CdpValue>? Integrations { get; init; }
}
