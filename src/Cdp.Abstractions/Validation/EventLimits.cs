namespace Cdp;

/// <summary>Bounds on untrusted input, the same for the SDK, the silo and (later) HTTP ingestion.</summary>
public static class EventLimits
{
    /// <summary>One event, serialized as JSON: 32 KiB, as in the Segment tracking API.</summary>
    public const int MaxEventBytes = 32 * 1024;

    /// <summary>One batch, serialized as JSON: 500 KiB, as in the Segment tracking API.</summary>
    public const int MaxBatchBytes = 500 * 1024;

    /// <summary>How deep objects and arrays may nest inside traits, properties, context or integrations.</summary>
    public const int MaxNestingDepth = 16;

    /// <summary>An identifier value, UTF-8 encoded.</summary>
    public const int MaxIdentifierBytes = 1024;

    /// <summary>An identifier type: lower-case letters, digits, '_', '-' and '.'.</summary>
    public const int MaxIdentifierTypeLength = 64;

    /// <summary>Identifiers on one event, counting userId and anonymousId.</summary>
    public const int MaxIdentifiersPerEvent = 32;

    /// <summary>A messageId, event name, page name, group id or source.</summary>
    public const int MaxNameLength = 512;

    /// <summary>Events in one batch call (the byte limit usually binds first).</summary>
    public const int MaxBatchEvents = 5_000;

    /// <summary>How far in the future an event timestamp may lie (the sender's clock may run fast).</summary>
    public static readonly TimeSpan MaxFutureSkew = TimeSpan.FromHours(24);

    /// <summary>The earliest event timestamp accepted.</summary>
    public static readonly DateTimeOffset MinTimestamp = new(1970, 1, 1, 0, 0, 0, TimeSpan.Zero);
}
