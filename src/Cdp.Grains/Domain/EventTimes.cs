namespace Cdp.Grains.Domain;

/// <summary>Event-time rules shared by everything that orders events.</summary>
public static class EventTimes
{
    /// <summary>
    /// When the event happened: its timestamp, corrected for the sender's clock skew when it also says
    /// when it was sent (as the Segment API does), or the time it was received when it has no timestamp.
    /// </summary>
    public static DateTimeOffset Of(CdpEvent evt)
    {
        var received = evt.ReceivedAt ?? throw new ArgumentException("A routed event has a receivedAt.", nameof(evt));
        if (evt.Timestamp is not { } timestamp)
        {
            return received;
        }

        return evt.SentAt is { } sentAt ? timestamp + (received - sentAt) : timestamp;
    }

    /// <summary>
    /// Whether an event at (<paramref name="time"/>, <paramref name="messageId"/>) is newer than one at
    /// (<paramref name="thanTime"/>, <paramref name="thanMessageId"/>). Equal times are ordered by messageId,
    /// so the outcome never depends on the order in which events arrive.
    /// </summary>
    public static bool IsNewer(DateTimeOffset time, string messageId, DateTimeOffset thanTime, string? thanMessageId) =>
        time > thanTime || (time == thanTime && string.CompareOrdinal(messageId, thanMessageId) > 0);
}
