using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class IdentifiersTests
{
    [Fact]
    public void Extract_IdentifyWithEverySource_NormalizesDeduplicatesAndOrdersByPriority()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            UserId = "User-42",
            AnonymousId = "anon-1",
            Identifiers =
            [
                new ExternalId("CRM_ID", "C-9"),
                new ExternalId("Email", " Ada@Example.COM "),
                new ExternalId("device_id", "D-1"),
                new ExternalId("user_id", "User-42"),
                new ExternalId("ANONYMOUS_ID", "anon-1"),
                new ExternalId("crm_id", "C-9"),
            ],
            Traits = new() { ["email"] = "ADA@example.com", ["plan"] = "pro" },
        };

        var ids = Identifiers.Extract(evt);

        Assert.Equal(
            [
                new ExternalId("user_id", "User-42"),
                new ExternalId("email", "ada@example.com"),
                new ExternalId("crm_id", "C-9"),
                new ExternalId("device_id", "D-1"),
                new ExternalId("anonymous_id", "anon-1"),
            ],
            ids);
    }

    [Fact]
    public void Extract_IdentifyEmailTrait_BecomesNormalizedEmailIdentifier()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            AnonymousId = "anon-1",
            Traits = new() { ["email"] = "  Grace@Example.org" },
        };

        var ids = Identifiers.Extract(evt);

        Assert.Equal([new ExternalId("email", "grace@example.org"), new ExternalId("anonymous_id", "anon-1")], ids);
    }

    [Theory]
    [InlineData(EventType.Track)]
    [InlineData(EventType.Page)]
    [InlineData(EventType.Group)]
    public void Extract_EmailTraitOutsideIdentify_IsNotAnIdentifier(EventType type)
    {
        var evt = new CdpEvent { Type = type, UserId = "u-1", Traits = new() { ["email"] = "ada@example.com" } };

        var ids = Identifiers.Extract(evt);

        Assert.Equal([new ExternalId("user_id", "u-1")], ids);
    }

    [Fact]
    public void Extract_NonStringEmailTrait_IsIgnored()
    {
        var evt = new CdpEvent { Type = EventType.Identify, UserId = "u-1", Traits = new() { ["email"] = 42 } };

        var ids = Identifiers.Extract(evt);

        Assert.Equal([new ExternalId("user_id", "u-1")], ids);
    }

    [Fact]
    public void Extract_UserIdAndAnonymousId_AreKeptExactly()
    {
        var evt = new CdpEvent { Type = EventType.Track, Event = "E", UserId = "AbC", AnonymousId = "XyZ" };

        var ids = Identifiers.Extract(evt);

        Assert.Equal([new ExternalId("user_id", "AbC"), new ExternalId("anonymous_id", "XyZ")], ids);
    }

    [Fact]
    public void Extract_SeveralOtherTypes_KeepTheirGivenOrder()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Track,
            Event = "E",
            AnonymousId = "anon-1",
            Identifiers =
            [
                new ExternalId("phone", "+4420"),
                new ExternalId("crm_id", "C-1"),
                new ExternalId("device_id", "D-1"),
            ],
        };

        var ids = Identifiers.Extract(evt);

        Assert.Equal(
            [
                new ExternalId("phone", "+4420"),
                new ExternalId("crm_id", "C-1"),
                new ExternalId("device_id", "D-1"),
                new ExternalId("anonymous_id", "anon-1"),
            ],
            ids);
    }

    [Fact]
    public void Extract_BuiltInBlockedValues_AreLeftOut()
    {
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            UserId = "null",
            AnonymousId = "anon-7",
            Identifiers = [new ExternalId("device_id", "00000000-0000-0000-0000-000000000000"), new ExternalId("crm_id", "C-1")],
            Traits = new() { ["email"] = "Undefined" },
        };

        var ids = Identifiers.Extract(evt);

        Assert.Equal([new ExternalId("crm_id", "C-1"), new ExternalId("anonymous_id", "anon-7")], ids);
    }

    [Fact]
    public void Extract_EveryValueBlocked_ReturnsEmpty()
    {
        var evt = new CdpEvent { Type = EventType.Track, Event = "E", UserId = "anonymous", AnonymousId = "---" };

        Assert.Empty(Identifiers.Extract(evt));
    }

    [Fact]
    public void Extract_ConfiguredBlockedValuesAndPatterns_AreLeftOut()
    {
        var rules = IdentityRules.Defaults();
        rules.BlockedValues = ["guest"];
        rules.Types["email"].BlockedPatterns = ["@example\\.invalid$"];
        rules.Default.BlockedValues = ["C-0"];
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            UserId = "GUEST",
            AnonymousId = "anon-1",
            Identifiers =
            [
                new ExternalId("crm_id", "c-0"),
                new ExternalId("crm_id", "C-1"),
                new ExternalId("email", "b@keep.org"),
            ],
            Traits = new() { ["email"] = "Ada@Example.INVALID" },
        };

        var ids = Identifiers.Extract(evt, new IdentityRuleSet(rules));

        Assert.Equal(
            [new ExternalId("email", "b@keep.org"), new ExternalId("crm_id", "C-1"), new ExternalId("anonymous_id", "anon-1")],
            ids);
    }

    [Fact]
    public void Extract_RulesPuttingEmailBeforeUserId_OrdersEmailFirst()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].Priority = 0;
        rules.Types["user_id"].Priority = 1;
        rules.Types["anonymous_id"].Priority = 0;
        var evt = new CdpEvent
        {
            Type = EventType.Identify,
            UserId = "u-1",
            AnonymousId = "anon-1",
            Identifiers = [new ExternalId("crm_id", "C-1")],
            Traits = new() { ["email"] = "ada@example.com" },
        };

        var ids = Identifiers.Extract(evt, new IdentityRuleSet(rules));

        Assert.Equal(
            [
                new ExternalId("anonymous_id", "anon-1"),
                new ExternalId("email", "ada@example.com"),
                new ExternalId("user_id", "u-1"),
                new ExternalId("crm_id", "C-1"),
            ],
            ids);
    }
}
