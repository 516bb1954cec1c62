using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class EventTimesTests
{
    private static readonly DateTimeOffset Received = new(2025, 3, 1, 12, 0, 10, TimeSpan.Zero);

    [Fact]
    public void Of_NoTimestamp_IsReceivedAt()
    {
        var evt = new CdpEvent { Type = EventType.Track, ReceivedAt = Received };

        Assert.Equal(Received, EventTimes.Of(evt));
    }

    [Fact]
    public void Of_SentAtWithoutTimestamp_IsReceivedAt()
    {
        var evt = new CdpEvent { Type = EventType.Track, ReceivedAt = Received, SentAt = Received.AddMinutes(-30) };

        Assert.Equal(Received, EventTimes.Of(evt));
    }

    [Fact]
    public void Of_TimestampOnly_IsTimestamp()
    {
        var timestamp = new DateTimeOffset(2025, 3, 1, 11, 0, 0, TimeSpan.FromHours(-5));
        var evt = new CdpEvent { Type = EventType.Track, ReceivedAt = Received, Timestamp = timestamp };

        var time = EventTimes.Of(evt);

        Assert.Equal(timestamp, time);
        Assert.Equal(timestamp.Offset, time.Offset);
    }

    [Fact]
    public void Of_TimestampAndSentAt_CorrectsForSenderClockSkew()
    {
        // The sender's clock runs 5 minutes fast: it sent at 12:05:00 by its clock, received at 12:00:10.
        var evt = new CdpEvent
        {
            Type = EventType.Track,
            ReceivedAt = Received,
            SentAt = new DateTimeOffset(2025, 3, 1, 12, 5, 0, TimeSpan.Zero),
            Timestamp = new DateTimeOffset(2025, 3, 1, 12, 4, 0, TimeSpan.Zero),
        };

        Assert.Equal(new DateTimeOffset(2025, 3, 1, 11, 59, 10, TimeSpan.Zero), EventTimes.Of(evt));
    }

    [Fact]
    public void Of_NoReceivedAt_ThrowsArgumentException()
    {
        var evt = new CdpEvent { Type = EventType.Track, Timestamp = Received };

        var exception = Assert.Throws<ArgumentException>(() => EventTimes.Of(evt));

        Assert.Equal("evt", exception.ParamName);
    }

    [Theory]
    [InlineData(1, "a", 0, "z", true)]
    [InlineData(0, "z", 1, "a", false)]
    [InlineData(0, "b", 0, "a", true)]
    [InlineData(0, "a", 0, "b", false)]
    [InlineData(0, "a", 0, "a", false)]
    [InlineData(0, "B", 0, "a", false)]
    public void IsNewer_TimesThenMessageIds_OrdersOrdinally(
        int seconds, string messageId, int thanSeconds, string thanMessageId, bool expected)
    {
        var time = Received.AddSeconds(seconds);
        var thanTime = Received.AddSeconds(thanSeconds);

        var newer = EventTimes.IsNewer(time, messageId, thanTime, thanMessageId);

        Assert.Equal(expected, newer);
    }
}
