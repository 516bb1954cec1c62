using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class ConsentMergeTests
{
    private static readonly DateTimeOffset T0 = new(2026, 5, 1, 9, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ConsentStatus.Granted, ConsentStatus.Granted, ConsentStatus.Granted)]
    [InlineData(ConsentStatus.Granted, ConsentStatus.Unknown, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Unknown, ConsentStatus.Granted, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Unknown, ConsentStatus.Unknown, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Granted, ConsentStatus.Denied, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, ConsentStatus.Granted, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Unknown, ConsentStatus.Denied, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, ConsentStatus.Unknown, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, ConsentStatus.Denied, ConsentStatus.Denied)]
    public void MostRestrictive_TwoStatuses_DeniedThenUnknownThenGranted(ConsentStatus a, ConsentStatus b, ConsentStatus expected)
    {
        Assert.Equal(expected, ConsentMerge.MostRestrictive(a, b));
    }

    [Fact]
    public void Disagreements_SameStatusOnBothSides_AreNone()
    {
        var survivor = new[] { Record("email_marketing", ConsentStatus.Granted, "m-1"), Record("analytics", ConsentStatus.Denied, "m-2") };
        var absorbed = new[] { Record("email_marketing", ConsentStatus.Granted, "m-3"), Record("analytics", ConsentStatus.Denied, "m-4") };

        Assert.Empty(ConsentMerge.Disagreements(survivor, absorbed));
    }

    [Fact]
    public void Disagreements_DifferentStatus_KeepsTheMostRestrictiveWithBothRecords()
    {
        var ourEmail = Record("email_marketing", ConsentStatus.Granted, "m-1");
        var ourAnalytics = Record("analytics", ConsentStatus.Unknown, "m-2");
        var theirEmail = Record("email_marketing", ConsentStatus.Denied, "m-3");
        var theirAnalytics = Record("analytics", ConsentStatus.Granted, "m-4");

        var found = ConsentMerge.Disagreements([ourEmail, ourAnalytics], [theirEmail, theirAnalytics]);

        Assert.Collection(
            found,
            d =>
            {
                Assert.Same(ourAnalytics, d.Survivor);
                Assert.Same(theirAnalytics, d.Absorbed);
                Assert.Equal(ConsentStatus.Unknown, d.Kept);
            },
            d =>
            {
                Assert.Same(ourEmail, d.Survivor);
                Assert.Same(theirEmail, d.Absorbed);
                Assert.Equal(ConsentStatus.Denied, d.Kept);
            });
    }

    [Fact]
    public void Disagreements_DecisionOnOnlyOneSide_AreNone()
    {
        var survivor = new[] { Record("email_marketing", ConsentStatus.Granted, "m-1") };
        var absorbed = new[] { Record("sms_marketing", ConsentStatus.Denied, "m-2") };

        Assert.Empty(ConsentMerge.Disagreements(survivor, absorbed));
        Assert.Empty(ConsentMerge.Disagreements(survivor, []));
        Assert.Empty(ConsentMerge.Disagreements([], absorbed));
    }

    [Fact]
    public void Disagreements_ChannelDecisionAndPurposeDecision_AreKeptApart()
    {
        var survivor = new[]
        {
            Record("advertising", ConsentStatus.Granted, "m-1", "web"),
            Record("advertising", ConsentStatus.Denied, "m-2"),
        };
        var absorbed = new[]
        {
            Record("advertising", ConsentStatus.Granted, "m-3", "app"),
            Record("advertising", ConsentStatus.Denied, "m-4", "web"),
        };

        var found = ConsentMerge.Disagreements(survivor, absorbed);

        var only = Assert.Single(found);
        Assert.Equal(
            ("advertising/web", "m-1", "advertising/web", "m-4", ConsentStatus.Denied),
            (only.Survivor.Key, only.Survivor.MessageId, only.Absorbed.Key, only.Absorbed.MessageId, only.Kept));
    }

    private static ConsentRecord Record(string purpose, ConsentStatus status, string messageId, string? channel = null) => new()
    {
        Purpose = purpose,
        Channel = channel,
        Status = status,
        EventTime = T0,
        ReceivedAt = T0,
        MessageId = messageId,
        Applied = true,
    };
}
