namespace Cdp;

/// <summary>Where a customer stands on one purpose.</summary>
public enum ConsentStatus : byte
{
    /// <summary>Never said, or expired: counts as not granted.</summary>
    Unknown = 0,

    Granted = 1,

    Denied = 2,
}

/// <summary>
/// One consent decision of a customer for a purpose (optionally for one channel of it): the status, its legal
/// basis and policy version, where it came from, when it was made, and until when it holds.
/// </summary>
[GenerateSerializer, Alias("cdp.consent-record")]
public sealed class ConsentRecord
{
    /// <summary>The purpose, as the deployment's catalog names it (<c>email_marketing</c>, …).</summary>
    [Id(0)] public required string Purpose { get; set; }

    /// <summary>The channel the decision is limited to, or null for the whole purpose.</summary>
    [Id(1)] public string? Channel { get; set; }

    [Id(2)] public ConsentStatus Status { get; set; }

    /// <summary>The legal basis (<c>consent</c>, <c>contract</c>, <c>legitimate_interest</c>, …), as the sender named it.</summary>
    [Id(3)] public string? LegalBasis { get; set; }

    /// <summary>The policy or document version the customer answered.</summary>
    [Id(4)] public string? PolicyVersion { get; set; }

    /// <summary>The system the decision came from.</summary>
    [Id(5)] public string? Source { get; set; }

    /// <summary>When the customer decided (the event time).</summary>
    [Id(6)] public DateTimeOffset EventTime { get; set; }

    [Id(7)] public DateTimeOffset ReceivedAt { get; set; }

    /// <summary>The event that carried the decision.</summary>
    [Id(8)] public string? MessageId { get; set; }

    /// <summary>After this time a grant no longer counts.</summary>
    [Id(9)] public DateTimeOffset? ExpiresAt { get; set; }

    /// <summary>In the history: whether the decision became current (false for one older than the current one).</summary>
    [Id(10)] public bool Applied { get; set; }

    /// <summary>The ledger key: the purpose, or <c>purpose/channel</c>.</summary>
    public string Key => Channel is null ? Purpose : string.Concat(Purpose, "/", Channel);

    /// <summary>The status in force at <paramref name="now"/>: an expired grant counts as <see cref="ConsentStatus.Unknown"/>.</summary>
    public ConsentStatus StatusAt(DateTimeOffset now) =>
        Status == ConsentStatus.Granted && ExpiresAt is { } expires && expires <= now ? ConsentStatus.Unknown : Status;

    public ConsentRecord Clone() => (ConsentRecord)MemberwiseClone();
}

/// <summary>A consent decision to record through the SDK.</summary>
[GenerateSerializer, Immutable, Alias("cdp.consent-change")]
public sealed record ConsentChange(
    [property: Id(0)] string Purpose,
    [property: Id(1)] ConsentStatus Status,
    [property: Id(2)] string? Channel = null,
    [property: Id(3)] string? LegalBasis = null,
    [property: Id(4)] string? PolicyVersion = null,
    [property: Id(5)] DateTimeOffset? ExpiresAt = null);

/// <summary>A customer's consent ledger: the decisions in force, and every decision received, in arrival order.</summary>
[GenerateSerializer, Immutable, Alias("cdp.customer-consent")]
public sealed record CustomerConsent(
    [property: Id(0)] string CustomerId,
    [property: Id(1)] IReadOnlyList<ConsentRecord> Current,
    [property: Id(2)] IReadOnlyList<ConsentRecord> History);
