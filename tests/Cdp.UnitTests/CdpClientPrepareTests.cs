using Cdp.Client;

namespace Cdp.UnitTests;

public sealed class CdpClientPrepareTests
{
    private static readonly DateTimeOffset Now = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Prepare_EventsWithoutMessageId_GetDistinctTimeOrderedIds()
    {
        var evt = new CdpEvent { Type = EventType.Track, UserId = "u", Event = "Signed In" };

        var prepared = CdpClient.Prepare([evt, evt, evt with { MessageId = "" }], source: null, Now);

        Assert.Equal(3, prepared.Select(e => e.MessageId).Distinct().Count());
        Assert.All(prepared, e => Assert.Equal(7, Guid.Parse(e.MessageId!).Version));
        Assert.Null(evt.MessageId);
    }

    [Fact]
    public void Prepare_CallerMessageIdAndSource_AreKept_AndMissingSourceTakesTheClients()
    {
        var own = new CdpEvent { Type = EventType.Track, UserId = "u", Event = "A", MessageId = "m-1", Source = "crm" };
        var bare = new CdpEvent { Type = EventType.Track, UserId = "u", Event = "B", MessageId = "m-2" };

        var prepared = CdpClient.Prepare([own, bare], source: "billing", Now);

        Assert.Equal(("m-1", "crm"), (prepared[0].MessageId, prepared[0].Source));
        Assert.Equal(("m-2", "billing"), (prepared[1].MessageId, prepared[1].Source));
        Assert.Same(own, prepared[0]);
    }

    [Fact]
    public void Prepare_InvalidEvent_ThrowsBeforeSending()
    {
        var error = Assert.Throws<CdpValidationException>(() =>
            CdpClient.Prepare([new CdpEvent { Type = EventType.Track, UserId = "u" }], source: null, Now));

        var only = Assert.Single(error.Errors);
        Assert.Equal(("event", CdpValidationRule.Required, (int?)0), (only.Field, only.Rule, only.EventIndex));
    }
}
