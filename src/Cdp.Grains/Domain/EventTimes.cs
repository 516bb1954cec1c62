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

        if (evt.SentAt is not { } sentAt)
        {
            return timestamp;
        }

        // A correction that lands outside the accepted range means timestamp and sentAt disagree with each
        // other, not that the clock was off: the sender's timestamp is kept as it is.
        var corrected = timestamp.UtcTicks + (received.UtcTicks - sentAt.UtcTicks);
        var latest = received.UtcTicks + EventLimits.MaxFutureSkew.Ticks;
        return corrected >= EventLimits.MinTimestamp.UtcTicks && corrected <= latest
            ? new DateTimeOffset(corrected, TimeSpan.Zero)
            : timestamp;
    }

    /// <summary>
    /// Whether an event at (<paramref name="time"/>, <paramref name="messageId"/>) is newer than one at
    /// (<paramref name="thanTime"/>, <paramref name="thanMessageId"/>). Equal times are ordered by messageId,
    /// so the outcome never depends on the order in which events arrive.
    /// </summary>
    public static bool IsNewer(DateTimeOffset time, string messageId, DateTimeOffset thanTime, string? thanMessageId) =>
        time > thanTime || (time == thanTime && string.CompareOrdinal(messageId, thanMessageId) > 0);
}
