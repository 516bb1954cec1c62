using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class IdentityRuleSetTests
{
    private static readonly DateTimeOffset Now = new(2025, 6, 1, 12, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData("null")]
    [InlineData("NULL")]
    [InlineData("undefined")]
    [InlineData("Undefined")]
    [InlineData("anonymous")]
    [InlineData("ANONYMOUS")]
    [InlineData("unknown")]
    [InlineData("0")]
    [InlineData("-1")]
    [InlineData("[object Object]")]
    [InlineData("[OBJECT OBJECT]")]
    [InlineData("  null  ")]
    [InlineData("\tundefined\n")]
    [InlineData(" -1 ")]
    [InlineData("none")]
    [InlineData("nil")]
    [InlineData("NaN")]
    public void IsBlocked_BuiltInPlaceholder_IsBlockedForAnyType(string value)
    {
        var rules = IdentityRuleSet.Default;

        Assert.True(rules.IsBlocked(new ExternalId("user_id", value)));
        Assert.True(rules.IsBlocked(new ExternalId("crm_id", value)));
    }

    [Theory]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("00000000-0000-0000-0000-000000000000")]
    [InlineData("---")]
    [InlineData("000")]
    [InlineData("0 0 0")]
    [InlineData(" -0- ")]
    public void IsBlocked_BlankOrOnlyZerosDashesAndSpaces_IsBlocked(string value)
    {
        Assert.True(IdentityRuleSet.Default.IsBlocked(new ExternalId("device_id", value)));
    }

    [Theory]
    [InlineData("u-1")]
    [InlineData("10")]
    [InlineData("-10")]
    [InlineData("00000000-0000-0000-0000-000000000001")]
    [InlineData("nullable")]
    [InlineData("anonymous-42")]
    [InlineData("object")]
    public void IsBlocked_RealValue_IsNotBlocked(string value)
    {
        Assert.False(IdentityRuleSet.Default.IsBlocked(new ExternalId("user_id", value)));
    }

    [Fact]
    public void IsBlocked_ConfiguredGlobalValue_IsBlockedForEveryTypeIgnoringCaseAndSpaces()
    {
        var rules = IdentityRules.Defaults();
        rules.BlockedValues = ["test@example.com", "N/A"];
        var set = new IdentityRuleSet(rules);

        Assert.True(set.IsBlocked(new ExternalId("email", "Test@Example.com")));
        Assert.True(set.IsBlocked(new ExternalId("crm_id", " n/a ")));
        Assert.False(set.IsBlocked(new ExternalId("crm_id", "n/a/b")));
        Assert.False(IdentityRuleSet.Default.IsBlocked(new ExternalId("crm_id", "N/A")));
    }

    [Fact]
    public void IsBlocked_ConfiguredTypeValue_IsBlockedOnlyForThatType()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedValues = ["noreply@example.com"];
        var set = new IdentityRuleSet(rules);

        Assert.True(set.IsBlocked(new ExternalId("email", "NoReply@Example.com")));
        Assert.False(set.IsBlocked(new ExternalId("user_id", "noreply@example.com")));
    }

    [Fact]
    public void IsBlocked_ConfiguredDefaultValue_IsBlockedForTypesWithoutRules()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.BlockedValues = ["placeholder"];
        var set = new IdentityRuleSet(rules);

        Assert.True(set.IsBlocked(new ExternalId("crm_id", "PLACEHOLDER")));
        Assert.False(set.IsBlocked(new ExternalId("email", "placeholder")));
    }

    [Fact]
    public void IsBlocked_ConfiguredTypePattern_MatchesIgnoringCaseOnlyForThatType()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["email"].BlockedPatterns = ["@test\\.invalid$"];
        var set = new IdentityRuleSet(rules);

        Assert.True(set.IsBlocked(new ExternalId("email", "ada@TEST.invalid")));
        Assert.False(set.IsBlocked(new ExternalId("email", "ada@test.invalid.org")));
        Assert.False(set.IsBlocked(new ExternalId("user_id", "ada@test.invalid")));
    }

    [Fact]
    public void IsBlocked_ConfiguredPattern_MatchesTheTrimmedValue()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.BlockedPatterns = ["^tmp-[0-9]+$"];
        var set = new IdentityRuleSet(rules);

        Assert.True(set.IsBlocked(new ExternalId("crm_id", "  tmp-42 ")));
        Assert.False(set.IsBlocked(new ExternalId("crm_id", "tmp-4x")));
    }

    [Fact]
    public void Constructor_InvalidRules_ThrowsWithEveryError()
    {
        var rules = IdentityRules.Defaults();
        rules.MaxMerges = -1;
        rules.Types["email"].BlockedPatterns = ["(?=x)"];

        var ex = Assert.Throws<CdpValidationException>(() => new IdentityRuleSet(rules));

        Assert.Equal(["maxMerges", "types.email.blockedPatterns[0]"], ex.Errors.Select(e => e.Field));
    }

    [Fact]
    public void Constructor_RulesChangedAfterwards_KeepsItsOwnCopy()
    {
        var rules = IdentityRules.Defaults();
        rules.Version = 7;
        var set = new IdentityRuleSet(rules);

        rules.Types["email"].Priority = 9;
        rules.MaxIdentifiers = 3;

        Assert.Equal(1, set.Priority("email"));
        Assert.Equal(100, set.MaxIdentifiers);
        Assert.Equal(7, set.Version);
    }

    [Fact]
    public void Priority_DefaultRules_FollowTheRulesAndTheDefaultForUnknownTypes()
    {
        var set = IdentityRuleSet.Default;

        Assert.Equal((0, 1, 3), (set.Priority("user_id"), set.Priority("email"), set.Priority("anonymous_id")));
        Assert.Equal((2, 2), (set.Priority("crm_id"), set.Priority("phone")));
    }

    [Fact]
    public void Priority_ConfiguredDefault_AppliesToUnlistedTypes()
    {
        var rules = IdentityRules.Defaults();
        rules.Default.Priority = 7;
        rules.Types["crm_id"] = new IdentifierTypeRule { Priority = 5, Limit = 1 };
        var set = new IdentityRuleSet(rules);

        Assert.Equal((5, 7, 0), (set.Priority("crm_id"), set.Priority("device_id"), set.Priority("user_id")));
        Assert.Same(set.Rules.Default, set.RuleOf("device_id"));
    }

    [Fact]
    public void Sort_MixedPriorities_OrdersLowestPriorityNumberFirstAndKeepsTiesInOrder()
    {
        ExternalId[] ids =
        [
            new("anonymous_id", "a1"),
            new("crm_id", "c1"),
            new("email", "e@x.org"),
            new("device_id", "d1"),
            new("user_id", "u1"),
            new("anonymous_id", "a2"),
            new("phone", "p1"),
        ];

        IdentityRuleSet.Default.Sort(ids);

        Assert.Equal(
            [
                new ExternalId("user_id", "u1"),
                new ExternalId("email", "e@x.org"),
                new ExternalId("crm_id", "c1"),
                new ExternalId("device_id", "d1"),
                new ExternalId("phone", "p1"),
                new ExternalId("anonymous_id", "a1"),
                new ExternalId("anonymous_id", "a2"),
            ],
            ids);
    }

    [Fact]
    public void Sort_AllSamePriority_KeepsTheGivenOrder()
    {
        ExternalId[] ids = [new("phone", "3"), new("crm_id", "1"), new("device_id", "2"), new("crm_id", "0")];

        IdentityRuleSet.Default.Sort(ids);

        Assert.Equal([new ExternalId("phone", "3"), new("crm_id", "1"), new("device_id", "2"), new("crm_id", "0")], ids);
    }

    [Fact]
    public void FindBrokenLimit_WithinLimits_ReturnsNull()
    {
        var ids = Seen(("user_id", "u1"), ("email", "1"), ("email", "2"), ("email", "3"), ("email", "4"), ("email", "5"));

        Assert.Null(IdentityRuleSet.Default.FindBrokenLimit(ids, Now));
    }

    [Fact]
    public void FindBrokenLimit_SecondUserId_ReturnsUserId()
    {
        var ids = Seen(("email", "1"), ("user_id", "u1"), ("user_id", "u2"));

        Assert.Equal("user_id", IdentityRuleSet.Default.FindBrokenLimit(ids, Now));
    }

    [Fact]
    public void FindBrokenLimit_RepeatedValue_CountsOnce()
    {
        var ids = Seen(("user_id", "u1"), ("user_id", "u1"), ("user_id", "u1"));

        Assert.Null(IdentityRuleSet.Default.FindBrokenLimit(ids, Now));
    }

    [Fact]
    public void FindBrokenLimit_UnlistedType_UsesTheDefaultLimit()
    {
        var five = Seen(("crm_id", "1"), ("crm_id", "2"), ("crm_id", "3"), ("crm_id", "4"), ("crm_id", "5"));
        var six = five.Append((new ExternalId("crm_id", "6"), Now));

        Assert.Null(IdentityRuleSet.Default.FindBrokenLimit(five, Now));
        Assert.Equal("crm_id", IdentityRuleSet.Default.FindBrokenLimit(six, Now));
    }

    [Fact]
    public void FindBrokenLimit_TypesCountedSeparately_ReturnsTheFirstTypeOverItsLimit()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["phone"] = new IdentifierTypeRule { Priority = 2, Limit = 2 };
        rules.Default.Limit = 1;
        var set = new IdentityRuleSet(rules);
        var ids = Seen(("phone", "1"), ("crm_id", "1"), ("phone", "2"), ("device_id", "1"), ("phone", "3"), ("crm_id", "2"));

        Assert.Equal("phone", set.FindBrokenLimit(ids, Now));
        Assert.Equal("crm_id", set.FindBrokenLimit(ids.Take(4).Append((new ExternalId("crm_id", "2"), Now)), Now));
    }

    [Fact]
    public void FindBrokenLimit_ValuesFirstSeenBeforeTheWindow_DoNotCount()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["anonymous_id"].Limit = 2;
        rules.Types["anonymous_id"].LimitWindow = TimeSpan.FromDays(30);
        var set = new IdentityRuleSet(rules);
        (ExternalId, DateTimeOffset)[] ids =
        [
            (new("anonymous_id", "old-1"), Now.AddDays(-31)),
            (new("anonymous_id", "old-2"), Now.AddDays(-30).AddTicks(-1)),
            (new("anonymous_id", "edge"), Now.AddDays(-30)),
            (new("anonymous_id", "new"), Now.AddDays(-1)),
        ];

        Assert.Null(set.FindBrokenLimit(ids, Now));
        Assert.Equal("anonymous_id", set.FindBrokenLimit([.. ids, (new("anonymous_id", "now"), Now)], Now));
    }

    [Fact]
    public void FindBrokenLimit_WindowOnOneType_DoesNotApplyToOthers()
    {
        var rules = IdentityRules.Defaults();
        rules.Types["anonymous_id"].LimitWindow = TimeSpan.FromDays(1);
        var set = new IdentityRuleSet(rules);
        (ExternalId, DateTimeOffset)[] ids =
        [
            (new("user_id", "u1"), Now.AddYears(-2)),
            (new("user_id", "u2"), Now.AddYears(-1)),
        ];

        Assert.Equal("user_id", set.FindBrokenLimit(ids, Now));
    }

    private static (ExternalId Id, DateTimeOffset FirstSeen)[] Seen(params (string Type, string Value)[] ids) =>
        [.. ids.Select(i => (new ExternalId(i.Type, i.Value), Now))];
}
