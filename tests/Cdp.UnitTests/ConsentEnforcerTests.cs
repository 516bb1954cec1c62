using Cdp.Grains.Consent;
using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class ConsentEnforcerTests
{
    private static readonly DateTimeOffset Now = new(2026, 7, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ConsentEnforcer _enforcer = new(
        new ConsentCatalog(new CdpConsentOptions { Aliases = { ["C0004"] = "advertising" } }),
        new FixedTime(Now));

    [Theory]
    [InlineData(ConsentStatus.Granted, true)]
    [InlineData(ConsentStatus.Denied, false)]
    [InlineData(ConsentStatus.Unknown, false)]
    public void Allows_PurposeDecision_OnlyAGrantAllows(ConsentStatus status, bool expected)
    {
        var profile = Profile(Record("email_marketing", null, status));

        Assert.Equal(expected, _enforcer.Allows(profile, "email_marketing"));
    }

    [Fact]
    public void Allows_NoDecision_IsFalse()
    {
        Assert.False(_enforcer.Allows(new CustomerProfile(), "analytics"));
    }

    [Theory]
    [InlineData(-1L, false)]
    [InlineData(0L, false)]
    [InlineData(1L, true)]
    public void Allows_GrantExpiringRelativeToTheClock_AllowsOnlyBeforeExpiry(long expiresInTicks, bool expected)
    {
        var profile = Profile(Record("email_marketing", null, ConsentStatus.Granted, Now.AddTicks(expiresInTicks)));

        Assert.Equal(expected, _enforcer.Allows(profile, "email_marketing"));
    }

    [Theory]
    [InlineData("Email Marketing")]
    [InlineData("email-marketing")]
    [InlineData("EMAIL.MARKETING")]
    public void Allows_PurposeNameVariant_ReadsTheCatalogPurpose(string purpose)
    {
        var profile = Profile(Record("email_marketing", null, ConsentStatus.Granted));

        Assert.True(_enforcer.Allows(profile, purpose));
    }

    [Fact]
    public void Allows_ConfiguredAlias_ReadsItsPurpose()
    {
        var profile = Profile(Record("advertising", null, ConsentStatus.Granted));

        Assert.True(_enforcer.Allows(profile, "C0004"));
        Assert.True(_enforcer.Allows(profile, "c0004", "Web"));
    }

    [Fact]
    public void Allows_Channel_NormalizedAndPreferredOverThePurpose()
    {
        var profile = Profile(Record("advertising", null, ConsentStatus.Granted), Record("advertising", "social", ConsentStatus.Denied));

        Assert.False(_enforcer.Allows(profile, "advertising", " SOCIAL"));
        Assert.True(_enforcer.Allows(profile, "advertising", "web"));
        Assert.True(_enforcer.Allows(profile, "advertising"));
    }

    [Fact]
    public void Allows_UnknownPurpose_ThrowsNamingPurpose()
    {
        var exception = Assert.Throws<CdpValidationException>(() => _enforcer.Allows(new CustomerProfile(), "cookies"));

        Assert.Equal(
            [new CdpValidationError("purpose", CdpValidationRule.NotFound,
                "'cookies' is not a consent purpose of this deployment; the purposes are analytics, personalization, " +
                "email_marketing, sms_marketing, advertising, data_sharing.")],
            exception.Errors);
    }

    [Theory]
    [InlineData("advertising", "email", "'email' is not a channel of purpose 'advertising'.")]
    [InlineData("Email Marketing", "email", "'email' is not a channel of purpose 'email_marketing'.")]
    [InlineData("analytics", "web", "'web' is not a channel of purpose 'analytics'.")]
    public void Allows_ChannelNotDeclaredForThePurpose_ThrowsNamingChannel(string purpose, string channel, string message)
    {
        var exception = Assert.Throws<CdpValidationException>(() => _enforcer.Allows(new CustomerProfile(), purpose, channel));

        Assert.Equal([new CdpValidationError("channel", CdpValidationRule.NotFound, message)], exception.Errors);
    }

    [Fact]
    public void Allows_NullProfileOrEmptyPurpose_ThrowsArgumentExceptions()
    {
        Assert.Equal("profile", Assert.Throws<ArgumentNullException>(() => _enforcer.Allows(null!, "analytics")).ParamName);
        Assert.Equal("purpose", Assert.Throws<ArgumentException>(() => _enforcer.Allows(new CustomerProfile(), "")).ParamName);
    }

    [Fact]
    public void Check_AliasAndChannel_AreReturnedInCatalogNames()
    {
        Assert.Equal(("advertising", (string?)"web"), _enforcer.Check("C0004", " Web "));
        Assert.Equal(("data_sharing", (string?)null), _enforcer.Check("Data Sharing", null));
    }

    [Fact]
    public void Filter_Items_KeepsOnlyThoseWhoseProfileAllowsInOrder()
    {
        var items = new (string Name, CustomerProfile? Profile)[]
        {
            ("granted-1", Profile(Record("advertising", null, ConsentStatus.Granted))),
            ("denied", Profile(Record("advertising", null, ConsentStatus.Denied))),
            ("no-profile", null),
            ("expired", Profile(Record("advertising", null, ConsentStatus.Granted, Now))),
            ("channel-denied",
                Profile(Record("advertising", null, ConsentStatus.Granted), Record("advertising", "app", ConsentStatus.Denied))),
            ("granted-2", Profile(Record("advertising", null, ConsentStatus.Granted, Now.AddSeconds(1)))),
            ("nothing", new CustomerProfile()),
        };

        var kept = _enforcer.Filter(items, i => i.Profile, "C0004", "APP").Select(i => i.Name);

        Assert.Equal(["granted-1", "granted-2"], kept);
    }

    [Fact]
    public void Filter_UnknownPurposeOrChannel_ThrowsBeforeEnumerating()
    {
        var items = new[] { new CustomerProfile() };

        var purpose = Assert.Throws<CdpValidationException>(() => _enforcer.Filter(items, p => p, "cookies"));
        var channel = Assert.Throws<CdpValidationException>(() => _enforcer.Filter(items, p => p, "sms_marketing", "sms"));

        Assert.Equal("purpose", Assert.Single(purpose.Errors).Field);
        Assert.Equal(
            [new CdpValidationError("channel", CdpValidationRule.NotFound, "'sms' is not a channel of purpose 'sms_marketing'.")],
            channel.Errors);
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
        EventTime = Now.AddDays(-1),
        ReceivedAt = Now.AddDays(-1),
        MessageId = "m-1",
        ExpiresAt = expiresAt,
        Applied = true,
    };

    private sealed class FixedTime(DateTimeOffset now) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => now;
    }
}
