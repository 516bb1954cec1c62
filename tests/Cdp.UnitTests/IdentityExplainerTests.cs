using Cdp.Grains.Domain;

namespace Cdp.UnitTests;

public sealed class IdentityExplainerTests
{
    private static readonly ExternalId UserX = new("user_id", "x1");
    private static readonly ExternalId EmailY = new("email", "y@example.com");
    private static readonly ExternalId AnonZ = new("anonymous_id", "z1");
    private static readonly DateTimeOffset T0 = new(2025, 1, 1, 10, 0, 0, TimeSpan.Zero);

    [Fact]
    public void MergePath_IdentifierFromTwoNestedMerges_ReturnsBothMergesNewestFirst()
    {
        var profile = NestedProfile();

        var path = IdentityExplainer.MergePath(profile, AnonZ);

        Assert.Equal(["j-xy", "j-yz"], path.Select(e => e.EntryId));
    }

    [Fact]
    public void MergePath_IdentifierFromOneMerge_ReturnsThatMerge()
    {
        var path = IdentityExplainer.MergePath(NestedProfile(), EmailY);

        Assert.Equal(["j-xy"], path.Select(e => e.EntryId));
    }

    [Fact]
    public void MergePath_IdentifierFirstSeenOnTheProfile_ReturnsEmpty()
    {
        Assert.Empty(IdentityExplainer.MergePath(NestedProfile(), UserX));
    }

    [Fact]
    public void MergePath_UndoneMergeAndOtherActions_AreIgnored()
    {
        var profile = NestedProfile();
        profile.Journal.Add(Merge("j-xw", "X", "W", T0.AddDays(5), [AnonZ], [AnonZ]));
        profile.Journal[^1].UndoneAt = T0.AddDays(6);
        profile.Journal[^1].UndoneBy = "j-undo";
        profile.Journal.Add(new IdentityJournalEntry
        {
            EntryId = "j-refused",
            Action = IdentityAction.MergeRefused,
            Rule = "limit:anonymous_id",
            CustomerId = "X",
            OtherCustomerId = "V",
            MovedIdentifiers = [AnonZ, EmailY],
        });

        Assert.Equal(["j-xy", "j-yz"], IdentityExplainer.MergePath(profile, AnonZ).Select(e => e.EntryId));
        Assert.Equal(["j-xy"], IdentityExplainer.MergePath(profile, EmailY).Select(e => e.EntryId));
    }

    [Fact]
    public void MergePath_OnlyMergeUndone_ReturnsEmpty()
    {
        var profile = NestedProfile();
        profile.Journal.Single(e => e.EntryId == "j-xy").UndoneAt = T0.AddDays(6);

        Assert.Empty(IdentityExplainer.MergePath(profile, EmailY));
        Assert.Empty(IdentityExplainer.MergePath(profile, AnonZ));
    }

    [Fact]
    public void Explain_IdentifierFromNestedMerges_NamesTheFirstEventThenEachMergeOldestFirst()
    {
        var first = new CdpEvent
        {
            Type = EventType.Track,
            Event = "Signed Up",
            MessageId = "m-z1",
            Identifiers = [new ExternalId("device_id", "d1"), AnonZ],
        };

        var explanation = IdentityExplainer.Explain(NestedProfile(), AnonZ, first);

        Assert.NotNull(explanation);
        Assert.Equal((AnonZ, "X"), (explanation.Identifier, explanation.CustomerId));
        Assert.Equal(
            [
                "2025-01-01 11:00:00Z: anonymous_id:z1 first arrived on a track event 'Signed Up' " +
                    "(messageId m-z1, source unnamed) together with device_id:d1, on customer Z.",
                "2025-01-03 10:00:00Z: customer Z was merged into Y (journal entry j-yz, rules version 1) because event m-yz " +
                    "carried anonymous_id:z1 of Z and email:y@example.com of Y.",
                "2025-01-04 10:00:00Z: customer Y was merged into X (journal entry j-xy, rules version 2) because event m-xy " +
                    "carried email:y@example.com of Y and user_id:x1 of X.",
            ],
            explanation.Steps.Select(s => s.Text));
        Assert.Equal(
            [
                (null, T0.AddHours(1), "m-z1", "Z", null),
                (IdentityAction.Merged, T0.AddDays(2), "m-yz", "Y", "Z"),
                (IdentityAction.Merged, T0.AddDays(3), "m-xy", "X", "Y"),
            ],
            explanation.Steps.Select(s => (s.Action, s.At, s.MessageId, s.CustomerId, s.OtherCustomerId)));
        Assert.Equal([new ExternalId("device_id", "d1"), AnonZ], explanation.Steps[0].Identifiers);
        Assert.Equal(string.Join(Environment.NewLine, explanation.Steps.Select(s => s.Text)), explanation.ToString());
    }

    [Fact]
    public void Explain_IdentifierFirstSeenOnTheProfileWithoutItsEvent_SaysAnEventOnThisCustomer()
    {
        var explanation = IdentityExplainer.Explain(NestedProfile(), UserX, null);

        Assert.NotNull(explanation);
        var step = Assert.Single(explanation.Steps);
        Assert.Equal(
            "2025-01-01 10:00:00Z: user_id:x1 first arrived on an event (messageId m-x1, source web), on customer X.",
            step.Text);
        Assert.Equal([UserX], step.Identifiers);
        Assert.Equal(("X", (string?)null, (IdentityAction?)null), (step.CustomerId, step.OtherCustomerId, step.Action));
    }

    [Fact]
    public void Explain_MergeWhoseEventCarriedOnlyTheAbsorbedSide_EndsTheSentenceAfterTheLink()
    {
        var profile = NestedProfile();
        var merge = profile.Journal.Single(e => e.EntryId == "j-xy");
        merge.Identifiers = [EmailY];

        var explanation = IdentityExplainer.Explain(profile, EmailY, null);

        Assert.NotNull(explanation);
        Assert.Equal(
            "2025-01-04 10:00:00Z: customer Y was merged into X (journal entry j-xy, rules version 2) because event m-xy " +
                "carried email:y@example.com of Y.",
            explanation.Steps[^1].Text);
        Assert.Equal(
            "2025-01-02 10:00:00Z: email:y@example.com first arrived on an event (messageId m-y1, source crm), on customer Y.",
            explanation.Steps[0].Text);
    }

    [Theory]
    [InlineData(EventType.Identify, null, null, "an identify call")]
    [InlineData(EventType.Alias, null, null, "an alias call")]
    [InlineData(EventType.Group, null, "acme", "a group call for 'acme'")]
    [InlineData(EventType.Page, "Pricing", null, "a page call 'Pricing'")]
    [InlineData(EventType.Screen, null, null, "a screen call")]
    public void Explain_FirstEventOfEachType_IsDescribed(EventType type, string? name, string? groupId, string described)
    {
        var first = new CdpEvent { Type = type, Name = name, GroupId = groupId, Identifiers = [UserX] };

        var explanation = IdentityExplainer.Explain(NestedProfile(), UserX, first);

        Assert.NotNull(explanation);
        Assert.Equal(
            $"2025-01-01 10:00:00Z: user_id:x1 first arrived on {described} (messageId m-x1, source web), on customer X.",
            Assert.Single(explanation.Steps).Text);
    }

    [Fact]
    public void Explain_IdentifierTheProfileLacks_ReturnsNull()
    {
        Assert.Null(IdentityExplainer.Explain(NestedProfile(), new ExternalId("user_id", "nobody"), null));
        Assert.Null(IdentityExplainer.Explain(NestedProfile(), new ExternalId("email", "x1"), null));
    }

    // Customer X absorbed Y, which had earlier absorbed Z; X's journal holds Y's entries, as merges copy them.
    private static CustomerProfile NestedProfile() => new()
    {
        CustomerId = "X",
        Identifiers =
        [
            new IdentifierRecord { Type = "user_id", Value = "x1", FirstSeen = T0, MessageId = "m-x1", Source = "web" },
            new IdentifierRecord
            {
                Type = "email", Value = "y@example.com", FirstSeen = T0.AddDays(1), MessageId = "m-y1", Source = "crm",
            },
            new IdentifierRecord { Type = "anonymous_id", Value = "z1", FirstSeen = T0.AddHours(1), MessageId = "m-z1" },
        ],
        Journal =
        [
            Merge("j-yz", "Y", "Z", T0.AddDays(2), [EmailY, AnonZ], [AnonZ], [AnonZ], version: 1, messageId: "m-yz"),
            Merge("j-xy", "X", "Y", T0.AddDays(3), [UserX, EmailY], [EmailY], [EmailY, AnonZ], version: 2, messageId: "m-xy"),
        ],
    };

    private static IdentityJournalEntry Merge(
        string entryId, string survivor, string absorbed, DateTimeOffset at, ExternalId[] identifiers, ExternalId[] linked,
        ExternalId[]? moved = null, int version = 1, string? messageId = null) => new()
    {
        EntryId = entryId,
        Action = IdentityAction.Merged,
        At = at,
        MessageId = messageId ?? "m-" + entryId,
        Rule = "merge",
        CustomerId = survivor,
        OtherCustomerId = absorbed,
        Identifiers = identifiers,
        LinkedIdentifiers = linked,
        MovedIdentifiers = moved ?? linked,
        RulesVersion = version,
    };
}
