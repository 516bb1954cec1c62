using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class IdentityChainsTests
{
    [Fact]
    public void Of_EventsSharingIdentifiersTransitively_FormOneChainInBatchOrder()
    {
        CdpEvent[] events =
        [
            Routed(EventType.Page, ("anonymous_id", "a1")),
            Routed(EventType.Track, ("user_id", "other")),
            Routed(EventType.Identify, ("user_id", "u1"), ("anonymous_id", "a1")),
            Routed(EventType.Track, ("email", "x@example.com")),
            Routed(EventType.Track, ("user_id", "u1"), ("email", "x@example.com")),
        ];

        var chains = IdentityChains.Of(events);

        Assert.Equal([[0, 2, 3, 4], [1]], chains);
    }

    [Fact]
    public void Of_AliasPreviousId_LinksToEitherIdentifierType()
    {
        CdpEvent[] events =
        [
            Routed(EventType.Page, ("anonymous_id", "p1")),
            Routed(EventType.Track, ("user_id", "p2")),
            new CdpEvent { Type = EventType.Alias, UserId = "u1", PreviousId = "p1", Identifiers = [new("user_id", "u1")] },
            new CdpEvent { Type = EventType.Alias, UserId = "u2", PreviousId = "p2", Identifiers = [new("user_id", "u2")] },
        ];

        var chains = IdentityChains.Of(events);

        Assert.Equal([[0, 2], [1, 3]], chains);
    }

    [Fact]
    public void Of_UnrelatedEvents_AreChainsOfOne()
    {
        var chains = IdentityChains.Of([Routed(EventType.Track, ("user_id", "a")), Routed(EventType.Track, ("user_id", "b"))]);

        Assert.Equal([[0], [1]], chains);
    }

    private static CdpEvent Routed(EventType type, params (string Type, string Value)[] ids) => new()
    {
        Type = type,
        Event = type == EventType.Track ? "Something" : null,
        Identifiers = [.. ids.Select(i => new ExternalId(i.Type, i.Value))],
    };
}
