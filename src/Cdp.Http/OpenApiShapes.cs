namespace Cdp.Http;

// These types only describe bodies in the OpenAPI document; the endpoints read and write JSON themselves,
// with the strict, bounded readers of CdpJson. They are never instantiated.
#pragma warning disable CA1812

/// <summary>One Segment tracking call. The path gives the type when the body names none.</summary>
internal sealed record TrackingCall(
    string? Type, string? MessageId, string? UserId, string? AnonymousId, string? Event, string? Name, string? GroupId,
    string? PreviousId, DateTimeOffset? Timestamp, DateTimeOffset? SentAt, Dictionary<string, object>? Traits,
    Dictionary<string, object>? Properties, Dictionary<string, object>? Context, Dictionary<string, object>? Integrations,
    IReadOnlyList<IdentifierShape>? Identifiers, string? Source);

internal sealed record IdentifierShape(string Type, string Value);

/// <summary>A batch: calls with their type, and fields that apply to every call that does not set its own.</summary>
internal sealed record BatchCall(
    IReadOnlyList<TrackingCall> Batch, Dictionary<string, object>? Context, Dictionary<string, object>? Integrations,
    DateTimeOffset? SentAt);

internal sealed record SuccessShape(bool Success);

internal sealed record BatchResultShape(bool Success, int Accepted, IReadOnlyList<RejectedShape> Rejected);

internal sealed record RejectedShape(int Index, string? MessageId, IReadOnlyList<FieldErrorShape> Errors);

internal sealed record FieldErrorShape(string Field, string Rule, string Message);

internal sealed record ErrorShape(bool Success, ErrorDetailShape Error, IReadOnlyList<FieldErrorShape>? Errors);

internal sealed record ErrorDetailShape(string Code, string Message);

internal sealed record KeyRequestShape(string Name, IReadOnlyList<string> Scopes);

internal sealed record KeyShape(
    string Id, string Name, IReadOnlyList<string> Scopes, DateTimeOffset CreatedAt, DateTimeOffset? RevokedAt, string? Key);

internal sealed record KeyListShape(IReadOnlyList<KeyShape> Keys);

internal sealed record EventPageShape(IReadOnlyList<ArchivedEventShape> Events, long? Next);

internal sealed record ArchivedEventShape(long Sequence, TrackingCall Event);

#pragma warning restore CA1812

internal sealed record ErasureRequestShape(string Identifier);

internal sealed record ErasureResultShape(
    string RequestId, string Status, string? CustomerId, long EventsErased, int IdentifiersErased, int CustomersErased,
    DateTimeOffset RequestedAt, DateTimeOffset? CompletedAt, double DurationMs);
