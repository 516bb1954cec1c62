using System.Text.Json;

namespace Cdp;

/// <summary>What a privacy request asked for.</summary>
public enum PrivacyRequestKind : byte
{
    /// <summary>A copy of everything held about a customer (access and portability).</summary>
    Export = 1,

    /// <summary>Removal of everything held about a customer.</summary>
    Erasure = 2,

    /// <summary>A retention sweep: archived events older than the retention period removed.</summary>
    RetentionSweep = 3,
}

/// <summary>Where a privacy request stands.</summary>
public enum PrivacyRequestStatus : byte
{
    /// <summary>Started and not finished (a failure interrupted it): asking again finishes it.</summary>
    InProgress = 1,

    /// <summary>Done.</summary>
    Completed = 2,

    /// <summary>No customer holds the identifier; nothing was changed.</summary>
    NothingFound = 3,
}

/// <summary>
/// Everything Cdp holds about one customer, for an access or portability request: the profile (identifiers,
/// traits with provenance, aggregates, groups, the identity journal) and every archived event, oldest first.
/// A merged customer's export is its survivor's, which holds the merged events too.
/// </summary>
[GenerateSerializer, Alias("cdp.privacy-export")]
public sealed class PrivacyExport
{
    /// <summary>The audit id of this export.</summary>
    [Id(0)] public required string RequestId { get; init; }

    /// <summary>The identifier the export was asked for.</summary>
    [Id(1)] public required ExternalId Identifier { get; init; }

    [Id(2)] public required DateTimeOffset ExportedAt { get; init; }

    [Id(3)] public required CustomerProfile Profile { get; init; }

    [Id(4)] public required IReadOnlyList<ArchivedEvent> Events { get; init; }

    /// <summary>
    /// The export as one JSON document:
    /// <c>{"requestId", "identifier", "exportedAt", "profile": {…}, "events": [{"sequence", "event"}]}</c>,
    /// the profile unmasked in the form of the HTTP API and each event in its archived (Segment-shaped) form.
    /// </summary>
    public void WriteJson(Stream stream, bool indented = false)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = indented, SkipValidation = true });
        WriteJson(w);
    }

    /// <inheritdoc cref="WriteJson(Stream, bool)"/>
    public void WriteJson(Utf8JsonWriter w)
    {
        ArgumentNullException.ThrowIfNull(w);
        w.WriteStartObject();
        w.WriteString("requestId", RequestId);
        w.WriteString("identifier", Identifier.ToString());
        w.WriteString("exportedAt", ExportedAt);
        w.WritePropertyName("profile");
        ProfileJson.Write(w, Profile, personalData: true);
        w.WriteStartArray("events");
        foreach (var archived in Events)
        {
            w.WriteStartObject();
            w.WriteNumber("sequence", archived.Sequence);
            w.WritePropertyName("event");
            CdpJson.WriteEvent(w, archived.Event);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        w.WriteEndObject();
        w.Flush();
    }
}

/// <summary>The outcome of an erasure request.</summary>
[GenerateSerializer, Immutable, Alias("cdp.erasure-result")]
public sealed record ErasureResult
{
    [Id(0)] public required string RequestId { get; init; }

    [Id(1)] public required PrivacyRequestStatus Status { get; init; }

    /// <summary>The customer erased (the survivor, when the identifier led to a merged customer); null when nothing was found.</summary>
    [Id(2)] public string? CustomerId { get; init; }

    /// <summary>
    /// Archived events of the customer removed (the copies a merge left in absorbed customers' partitions go too, uncounted).
    /// </summary>
    [Id(3)] public long EventsErased { get; init; }

    /// <summary>Identifiers whose identity grains were removed (and, unless fresh starts are allowed, suppressed).</summary>
    [Id(4)] public int IdentifiersErased { get; init; }

    /// <summary>Customers whose stored state was removed: the customer and every customer merged into it.</summary>
    [Id(5)] public int CustomersErased { get; init; }

    [Id(6)] public DateTimeOffset RequestedAt { get; init; }

    [Id(7)] public DateTimeOffset? CompletedAt { get; init; }

    /// <summary>From the request to its completion (for a resumed request, including the time it stood interrupted).</summary>
    [Id(8)] public TimeSpan Duration { get; init; }
}

/// <summary>
/// One privacy request in the audit log. It holds no personal data: the identifier appears only as its salted
/// hash (HMAC-SHA256 with <c>Cdp:Privacy:SuppressionSalt</c>), and customer ids are Cdp's own random ids.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.privacy-audit-entry")]
public sealed record PrivacyAuditEntry
{
    [Id(0)] public required string RequestId { get; init; }

    [Id(1)] public required PrivacyRequestKind Kind { get; init; }

    /// <summary>Who asked: the name given to the SDK call, the API key's name, or <c>retention</c>.</summary>
    [Id(2)] public required string RequestedBy { get; init; }

    [Id(3)] public required DateTimeOffset RequestedAt { get; init; }

    [Id(4)] public required PrivacyRequestStatus Outcome { get; init; }

    [Id(5)] public TimeSpan Duration { get; init; }

    /// <summary>The salted hash of the identifier the request named; null for retention sweeps.</summary>
    [Id(6)] public string? IdentifierHash { get; init; }

    [Id(7)] public string? CustomerId { get; init; }

    /// <summary>Archived events exported, erased or swept.</summary>
    [Id(8)] public long Events { get; init; }
}

/// <summary>
/// Version 1 of the notice published on stream namespace <see cref="CdpStreams.ErasureNamespace"/> when a
/// customer has been erased, so that downstream systems erase their copies too. It carries no personal data:
/// identifiers appear only as salted hashes, which a downstream system can compare with hashes it computes
/// with the same salt.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.erasure-notice.v1")]
public sealed record ErasureNotice
{
    /// <summary>The contract version; consumers should ignore fields they do not know.</summary>
    [Id(0)] public int Version { get; init; } = 1;

    [Id(1)] public required string RequestId { get; init; }

    /// <summary>The erased customer (the survivor of any merges).</summary>
    [Id(2)] public required string CustomerId { get; init; }

    /// <summary>Customers merged into it earlier, erased with it.</summary>
    [Id(3)] public IReadOnlyList<string> MergedCustomerIds { get; init; } = [];

    /// <summary>
    /// HMAC-SHA256 (lower-case hex) of each erased identifier's key <c>type:value</c>, salted as the suppression list is;
    /// in ascending order.
    /// </summary>
    [Id(4)] public required IReadOnlyList<string> IdentifierHashes { get; init; }

    [Id(5)] public required DateTimeOffset ErasedAt { get; init; }
}

/// <summary>The outcome of a retention sweep.</summary>
[GenerateSerializer, Immutable, Alias("cdp.retention-sweep")]
public sealed record RetentionSweepResult(
    [property: Id(0)] DateTimeOffset Cutoff,
    [property: Id(1)] long EventsRemoved,
    [property: Id(2)] TimeSpan Duration);

/// <summary>Names of Cdp's Orleans streams, shared by silos and the clients that subscribe.</summary>
public static class CdpStreams
{
    /// <summary>The stream provider Cdp registers on silos and clients (memory streams).</summary>
    public const string ProviderName = "cdp";

    /// <summary>The namespace of <see cref="ErasureNotice"/> messages.</summary>
    public const string ErasureNamespace = "cdp.privacy.erasure";

    /// <summary>The key of the one stream in <see cref="ErasureNamespace"/> that every notice goes to.</summary>
    public const string ErasureStreamKey = "all";
}
