using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class UnmergePlannerTests
{
    private static readonly ExternalId UserU1 = new("user_id", "u1");
    private static readonly ExternalId AnonA1 = new("anonymous_id", "a1");
    private static readonly ExternalId AnonK1 = new("anonymous_id", "k1");
    private static readonly ExternalId EmailM = new("email", "m@example.com");
    private static readonly ExternalId DeviceD9 = new("device_id", "d9");

    [Fact]
    public void Plan_SidesJoinedByOneLinkingEvent_MovesTheOtherSideAndKeepsTheLinkOnItsFirstIdentifier()
    {
        CdpEvent[] events =
        [
            Routed(UserU1),
            Routed(AnonA1),
            Routed(AnonA1),
            Routed(UserU1, AnonA1),
        ];

        var plan = UnmergePlanner.Plan(events, [UserU1], [AnonA1]);

        Assert.Equal(["stay", "move", "move", "stay user_id:u1"], Describe(plan));
    }

    [Fact]
    public void Plan_LinkingEventLedByTheMovingSide_MovesWithTheStayingSideRemoved()
    {
        CdpEvent[] events =
        [
            Routed(AnonA1),
            Routed(UserU1),
            Routed(UserU1, AnonA1),
        ];

        var plan = UnmergePlanner.Plan(events, [AnonA1], [UserU1]);

        Assert.Equal(["stay", "move", "move user_id:u1"], Describe(plan));
    }

    [Fact]
    public void Plan_LinkingEventWithNewIdentifier_KeepsTheNewOneWithTheFirstIdentifier()
    {
        CdpEvent[] events =
        [
            Routed(UserU1),
            Routed(AnonA1),
            Routed(UserU1, DeviceD9, AnonA1),
            Routed(DeviceD9),
        ];

        var plan = UnmergePlanner.Plan(events, [UserU1, DeviceD9], [AnonA1]);

        Assert.Equal(["stay", "move", "stay user_id:u1, device_id:d9", "stay"], Describe(plan));
    }

    [Fact]
    public void Plan_LaterEventsCarryingBothSides_AreDemotedToTheSideOfTheirFirstIdentifier()
    {
        CdpEvent[] events =
        [
            Routed(UserU1, AnonK1),
            Routed(EmailM, AnonA1),
            Routed(UserU1, AnonA1),
            Routed(UserU1, EmailM),
            Routed(EmailM, AnonK1),
            Routed(AnonA1),
            Routed(AnonK1),
        ];

        var plan = UnmergePlanner.Plan(events, [UserU1], [AnonA1]);

        Assert.Equal(
            ["stay", "move", "stay user_id:u1", "stay user_id:u1", "move email:m@example.com", "move", "stay"],
            Describe(plan));
    }

    [Fact]
    public void Plan_EventsTouchingNeitherSide_StayUnchanged()
    {
        CdpEvent[] events =
        [
            Routed(UserU1),
            Routed(DeviceD9),
            Routed(AnonA1),
            new CdpEvent { Type = EventType.Track, Event = "E" },
            Routed(UserU1, AnonA1),
            Routed(DeviceD9, new ExternalId("phone", "p1")),
        ];

        var plan = UnmergePlanner.Plan(events, [UserU1], [AnonA1]);

        Assert.Equal(["stay", "stay", "move", "stay", "stay user_id:u1", "stay"], Describe(plan));
        Assert.Equal([null, null, null, null, null], plan.Where((_, i) => i != 4).Select(p => p.Identifiers));
    }

    [Fact]
    public void Plan_ChainUndoingTheSecondLink_MovesExactlyTheThirdComponent()
    {
        var a = new ExternalId("user_id", "a");
        var b = new ExternalId("email", "b@example.com");
        var c = new ExternalId("anonymous_id", "c");
        var d = new ExternalId("device_id", "d");
        var p = new ExternalId("phone", "p");
        CdpEvent[] events =
        [
            Routed(b),
            Routed(a, b),
            Routed(c),
            Routed(d, c),
            Routed(b, c),
            Routed(a),
            Routed(d),
            Routed(p, d),
            Routed(p),
            Routed(a, p),
        ];

        var plan = UnmergePlanner.Plan(events, [b], [c]);

        Assert.Equal(
            ["stay", "stay", "move", "move", "stay email:b@example.com", "stay", "move", "move", "move", "stay user_id:a"],
            Describe(plan));
    }

    [Fact]
    public void Plan_MovedEventsWithNothingDemoted_KeepAllTheirIdentifiers()
    {
        CdpEvent[] events =
        [
            Routed(UserU1),
            Routed(EmailM, AnonA1),
            Routed(UserU1, AnonA1),
        ];

        var plan = UnmergePlanner.Plan(events, [UserU1], [AnonA1]);

        Assert.Equal(new Placement(true, null), plan[1]);
        Assert.False(plan[2].MovesAway);
        Assert.Equal([UserU1], plan[2].Identifiers!);
    }

    [Fact]
    public void Plan_NoEvents_ReturnsEmptyPlan()
    {
        Assert.Empty(UnmergePlanner.Plan([], [UserU1], [AnonA1]));
    }

    private static CdpEvent Routed(params ExternalId[] ids) =>
        new() { Type = EventType.Track, Event = "E", Identifiers = ids };

    // "move" or "stay", then the identifiers kept when the plan drops some.
    private static string[] Describe(Placement[] plan) =>
        [.. plan.Select(p => (p.MovesAway ? "move" : "stay") + (p.Identifiers is { } ids ? " " + string.Join(", ", ids) : ""))];
}
