using Cdp.Grains.Customers;
using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class RecentWindowTests
{
    private static readonly DateTimeOffset T0 = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    [Fact]
    public void Contains_FollowsTheWindowAsEventsArriveLateAndLeave()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 3);
        var profile = new CustomerProfile();
        var window = new RecentWindow();
        var minutes = new[] { 5, 6, 7, 1, 8, 6 };
        for (var i = 0; i < minutes.Length; i++)
        {
            var id = $"m-{i}";
            var left = builder.Apply(profile, Track(id, minutes[i]), i + 1);
            window.Applied(profile.RecentEvents, id, left);
        }

        var inWindow = profile.RecentEvents.Select(e => e.MessageId).ToHashSet();
        Assert.Equal(3, inWindow.Count);
        Assert.All(Enumerable.Range(0, minutes.Length), i =>
            Assert.Equal(inWindow.Contains($"m-{i}"), window.Contains(profile.RecentEvents, $"m-{i}")));
        Assert.False(window.Contains(profile.RecentEvents, "m-99"));
    }

    [Fact]
    public void Contains_OnANewWindow_IndexesItFirst()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 10);
        var window = new RecentWindow();
        var old = new CustomerProfile();
        window.Applied(old.RecentEvents, "a", builder.Apply(old, Track("a", 1), 1));

        var rebuilt = new CustomerProfile();
        builder.Apply(rebuilt, Track("b", 2), 1);

        Assert.True(window.Contains(rebuilt.RecentEvents, "b"));
        Assert.False(window.Contains(rebuilt.RecentEvents, "a"));
    }

    private static CdpEvent Track(string messageId, int minute) => new()
    {
        Type = EventType.Track,
        Event = "Product Viewed",
        UserId = "u-1",
        MessageId = messageId,
        Timestamp = T0.AddMinutes(minute),
        ReceivedAt = T0.AddHours(1),
        Identifiers = [new ExternalId(IdentifierTypes.UserId, "u-1")],
    };
}
