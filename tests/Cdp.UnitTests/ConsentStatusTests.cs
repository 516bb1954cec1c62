namespace Cdp.UnitTests;

public sealed class ConsentStatusTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(ConsentStatus.Granted, null, ConsentStatus.Granted)]
    [InlineData(ConsentStatus.Granted, 1L, ConsentStatus.Granted)]
    [InlineData(ConsentStatus.Granted, 0L, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Granted, -1L, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Denied, null, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, 0L, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, -1L, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Unknown, 1L, ConsentStatus.Unknown)]
    [InlineData(ConsentStatus.Unknown, -1L, ConsentStatus.Unknown)]
    public void StatusAt_ExpiryInTicksFromNow_OnlyAGrantExpiresAndIntoUnknown(
        ConsentStatus status, long? expiresInTicks, ConsentStatus expected)
    {
        var record = Record("email_marketing", null, status, expiresInTicks is { } ticks ? Now.AddTicks(ticks) : null);

        Assert.Equal(expected, record.StatusAt(Now));
    }

    [Fact]
    public void Key_PurposeOrPurposeSlashChannel()
    {
        Assert.Equal("advertising", Record("advertising", null, ConsentStatus.Granted).Key);
        Assert.Equal("advertising/web", Record("advertising", "web", ConsentStatus.Granted).Key);
    }

    [Fact]
    public void Clone_CopiesEveryFieldIntoANewRecord()
    {
        var record = new ConsentRecord
        {
            Purpose = "advertising",
            Channel = "web",
            Status = ConsentStatus.Denied,
            LegalBasis = "consent",
            PolicyVersion = "v2",
            Source = "cmp",
            EventTime = Now,
            ReceivedAt = Now.AddSeconds(1),
            MessageId = "m-1",
            ExpiresAt = Now.AddDays(30),
            Applied = true,
        };

        var clone = record.Clone();
        clone.Status = ConsentStatus.Granted;

        Assert.NotSame(record, clone);
        Assert.Equal(ConsentStatus.Denied, record.Status);
        Assert.Equal(
            ("advertising", "web", "consent", "v2", "cmp", Now, Now.AddSeconds(1), "m-1", (DateTimeOffset?)Now.AddDays(30), true),
            (clone.Purpose, clone.Channel, clone.LegalBasis, clone.PolicyVersion, clone.Source, clone.EventTime, clone.ReceivedAt,
                clone.MessageId, clone.ExpiresAt, clone.Applied));
    }

    [Fact]
    public void ConsentFor_NoDecision_IsUnknown()
    {
        var profile = new CustomerProfile();

        Assert.Equal(ConsentStatus.Unknown, profile.ConsentFor("advertising", null, Now));
        Assert.Equal(ConsentStatus.Unknown, profile.ConsentFor("advertising", "web", Now));
    }

    [Theory]
    [InlineData(ConsentStatus.Granted, ConsentStatus.Denied)]
    [InlineData(ConsentStatus.Denied, ConsentStatus.Granted)]
    [InlineData(ConsentStatus.Granted, ConsentStatus.Unknown)]
    public void ConsentFor_ChannelWithItsOwnDecision_PrefersItOverThePurpose(ConsentStatus purpose, ConsentStatus channel)
    {
        var profile = Profile(Record("advertising", null, purpose), Record("advertising", "web", channel));

        Assert.Equal(channel, profile.ConsentFor("advertising", "web", Now));
        Assert.Equal(purpose, profile.ConsentFor("advertising", null, Now));
    }

    [Theory]
    [InlineData(ConsentStatus.Granted)]
    [InlineData(ConsentStatus.Denied)]
    public void ConsentFor_ChannelWithoutItsOwnDecision_FallsBackToThePurpose(ConsentStatus purpose)
    {
        var profile = Profile(Record("advertising", null, purpose), Record("advertising", "web", ConsentStatus.Denied));

        Assert.Equal(purpose, profile.ConsentFor("advertising", "app", Now));
    }

    [Fact]
    public void ConsentFor_NewerDecisionForTheWholePurpose_OverridesAnOlderChannelDecision()
    {
        var channelGrant = Record("email_marketing", "email", ConsentStatus.Granted);
        var laterRefusal = Record("email_marketing", null, ConsentStatus.Denied);
        laterRefusal.EventTime = channelGrant.EventTime.AddDays(1);
        var laterChannelGrant = Record("advertising", "web", ConsentStatus.Granted);
        laterChannelGrant.EventTime = laterRefusal.EventTime.AddDays(1);

        var profile = Profile(channelGrant, laterRefusal, Record("advertising", null, ConsentStatus.Denied), laterChannelGrant);

        Assert.Equal(ConsentStatus.Denied, profile.ConsentFor("email_marketing", "email", Now));
        Assert.Equal(ConsentStatus.Granted, profile.ConsentFor("advertising", "web", Now));
        Assert.Equal(ConsentStatus.Denied, profile.ConsentFor("advertising", null, Now));
    }

    [Fact]
    public void ConsentFor_OnlyAChannelDecision_DoesNotAnswerForThePurpose()
    {
        var profile = Profile(Record("advertising", "web", ConsentStatus.Granted));

        Assert.Equal(ConsentStatus.Unknown, profile.ConsentFor("advertising", null, Now));
        Assert.Equal(ConsentStatus.Granted, profile.ConsentFor("advertising", "web", Now));
    }

    [Fact]
    public void ConsentFor_ExpiredGrant_IsUnknownForPurposeAndChannel()
    {
        var profile = Profile(
            Record("email_marketing", null, ConsentStatus.Granted, Now),
            Record("advertising", null, ConsentStatus.Granted),
            Record("advertising", "web", ConsentStatus.Granted, Now.AddMinutes(-1)));

        Assert.Equal(ConsentStatus.Unknown, profile.ConsentFor("email_marketing", null, Now));
        Assert.Equal(ConsentStatus.Granted, profile.ConsentFor("email_marketing", null, Now.AddTicks(-1)));
        Assert.Equal(ConsentStatus.Unknown, profile.ConsentFor("advertising", "web", Now));
        Assert.Equal(ConsentStatus.Granted, profile.ConsentFor("advertising", null, Now));
    }

    [Fact]
    public void ConsentFor_ExpiredDenial_StaysDenied()
    {
        var profile = Profile(Record("sms_marketing", null, ConsentStatus.Denied, Now.AddDays(-1)));

        Assert.Equal(ConsentStatus.Denied, profile.ConsentFor("sms_marketing", null, Now));
        Assert.Equal(ConsentStatus.Denied, profile.ConsentFor("sms_marketing", "sms", Now.AddYears(5)));
    }

    private static CustomerProfile Profile(params ConsentRecord[] records)
    {
        var profile = new CustomerProfile();
        foreach (var record in records)
        {
            profile.Consent[record.Key] = record;
        }

        return profile;
    }

    private static ConsentRecord Record(string purpose, string? channel, ConsentStatus status, DateTimeOffset? expiresAt = null) => new()
    {
        Purpose = purpose,
        Channel = channel,
        Status = status,
        EventTime = Now.AddDays(-10),
        ReceivedAt = Now.AddDays(-10),
        MessageId = $"m-{purpose}-{channel}",
        ExpiresAt = expiresAt,
        Applied = true,
    };
}
