using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class ProfileBuilderTests
{
    private static readonly DateTimeOffset T0 = new(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ProfileBuilder _builder = new(SectionMap.Default, 100);

    [Fact]
    public void Apply_TwoIdentifies_TraitTakesValueOfNewestEventTime()
    {
        var profile = Build(
            Identify("m-1", T0, new() { ["plan"] = "free" }),
            Identify("m-2", T0.AddHours(1), new() { ["plan"] = "pro" }) with { Source = "crm" });

        var plan = profile.Traits["plan"];
        Assert.Equal("pro", plan.Value);
        Assert.Equal(T0.AddHours(1), plan.EventTime);
        Assert.Equal("m-2", plan.MessageId);
        Assert.Equal("crm", plan.Source);
    }

    [Fact]
    public void Apply_LateIdentify_DoesNotOverwriteNewerTraitButIsCounted()
    {
        var profile = Build(
            Identify("m-2", T0.AddHours(1), new() { ["plan"] = "pro" }),
            Identify("m-1", T0, new() { ["plan"] = "free", ["city"] = "Leeds" }));

        Assert.Equal("pro", profile.Traits["plan"].Value);
        Assert.Equal("m-2", profile.Traits["plan"].MessageId);
        Assert.Equal("Leeds", profile.Traits["city"].Value);
        Assert.Equal(2, profile.EventCount);
        Assert.Equal(T0, profile.FirstSeen);
        Assert.Equal(T0.AddHours(1), profile.LastSeen);
    }

    [Fact]
    public void Apply_LateTrack_IsCountedInAggregate()
    {
        var profile = Build(
            Track("m-2", T0.AddHours(2), "Order Completed", 10),
            Track("m-1", T0, "Order Completed", 5));

        var orders = profile.Events["Order Completed"];
        Assert.Equal(2, orders.Count);
        Assert.Equal(15m, orders.Sum);
        Assert.Equal(T0, orders.FirstTime);
        Assert.Equal(T0.AddHours(2), orders.LastTime);
        Assert.Equal(2, profile.EventCount);
    }

    [Fact]
    public void Apply_EqualEventTimes_HigherMessageIdWinsInEitherOrder()
    {
        var a = Identify("m-a", T0, new() { ["plan"] = "free" });
        var b = Identify("m-b", T0, new() { ["plan"] = "pro" });

        var forward = Build(a, b);
        var backward = Build(b, a);

        Assert.Equal("pro", forward.Traits["plan"].Value);
        Assert.Equal("pro", backward.Traits["plan"].Value);
        Assert.Equal("m-b", forward.Traits["plan"].MessageId);
        Assert.Equal("m-b", backward.Traits["plan"].MessageId);
    }

    [Fact]
    public void Apply_TrackEvents_AggregatePerNameWithCountTimesAndRevenue()
    {
        var profile = Build(
            Track("m-1", T0.AddMinutes(30), "Order Completed", 19.99),
            Track("m-2", T0.AddMinutes(90), "Product Viewed"),
            Track("m-3", T0, "Order Completed", 5.01));

        Assert.Equal(["Order Completed", "Product Viewed"], profile.Events.Keys.Order(StringComparer.Ordinal));
        var orders = profile.Events["Order Completed"];
        Assert.Equal("Order Completed", orders.Name);
        Assert.Equal(2, orders.Count);
        Assert.Equal(25.00m, orders.Sum);
        Assert.Equal(T0, orders.FirstTime);
        Assert.Equal(T0.AddMinutes(30), orders.LastTime);
        var views = profile.Events["Product Viewed"];
        Assert.Equal(1, views.Count);
        Assert.Equal(0m, views.Sum);
        Assert.Equal(T0.AddMinutes(90), views.FirstTime);
        Assert.Equal(T0.AddMinutes(90), views.LastTime);
    }

    [Fact]
    public void Apply_RevenueAndValueProperties_SumsRevenueElseValue()
    {
        var profile = Build(
            Track("m-1", T0, "Order Completed") with { Properties = new() { ["revenue"] = 10.10, ["value"] = 99 } },
            Track("m-2", T0, "Order Completed") with { Properties = new() { ["value"] = 2.45 } },
            Track("m-3", T0, "Order Completed") with { Properties = new() { ["currency"] = "EUR" } },
            Track("m-4", T0, "Order Completed") with { Properties = new() { ["revenue"] = -0.55 } });

        Assert.Equal(12.00m, profile.Events["Order Completed"].Sum);
        Assert.Equal(4, profile.Events["Order Completed"].Count);
    }

    [Fact]
    public void Apply_RevenueSumBeyondDecimalRange_KeepsApplyingEvents()
    {
        // Each revenue is a finite double that the validator accepts and RevenueOf converts; only their sum
        // leaves the range of decimal (about 7.9e28), at the eleventh event.
        var events = Enumerable.Range(1, 11)
            .Select(i => Track($"m-{i:D2}", T0.AddMinutes(i), "Order Completed", 7.5e27))
            .ToArray();

        var exception = Record.Exception(() => Build(events));

        Assert.Null(exception);
    }

    [Fact]
    public void Apply_PageAndScreen_AggregateAsPageViewedAndScreenViewed()
    {
        var profile = Build(
            View(EventType.Page, "m-1", T0, "Home"),
            View(EventType.Page, "m-2", T0.AddMinutes(1), "Pricing"),
            View(EventType.Screen, "m-3", T0.AddMinutes(2), "Cart"));

        Assert.Equal(["Page Viewed", "Screen Viewed"], profile.Events.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(2, profile.Events[ProfileBuilder.PageViewed].Count);
        Assert.Equal(ProfileSection.Engagement, profile.Events[ProfileBuilder.PageViewed].Section);
        Assert.Equal(1, profile.Events[ProfileBuilder.ScreenViewed].Count);
        Assert.Equal(ProfileSection.Engagement, profile.Events[ProfileBuilder.ScreenViewed].Section);
        Assert.Equal(["Home", "Pricing", "Cart"], profile.RecentEvents.Select(r => r.Name));
    }

    [Fact]
    public void Apply_IdentifyAliasAndGroup_AreNotAggregated()
    {
        var profile = Build(
            Identify("m-1", T0, new() { ["plan"] = "pro" }),
            Group("m-2", T0, "acme", null),
            Routed(new CdpEvent { Type = EventType.Alias, MessageId = "m-3", UserId = "u-1", PreviousId = "anon-1" }, T0));

        Assert.Empty(profile.Events);
        Assert.Equal(3, profile.EventCount);
    }

    [Fact]
    public void Apply_FiveEventsWithWindowOfThree_KeepsThreeNewestOldestFirst()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 3);
        var profile = new CustomerProfile();
        int[] minutes = [3, 0, 4, 1, 2];
        for (var i = 0; i < minutes.Length; i++)
        {
            builder.Apply(profile, Track($"m-{minutes[i]}", T0.AddMinutes(minutes[i]), "Product Viewed"), i + 1);
        }

        Assert.Equal(["m-2", "m-3", "m-4"], profile.RecentEvents.Select(r => r.MessageId));
        Assert.Equal([T0.AddMinutes(2), T0.AddMinutes(3), T0.AddMinutes(4)], profile.RecentEvents.Select(r => r.EventTime));
        Assert.Equal([5L, 1L, 3L], profile.RecentEvents.Select(r => r.Sequence));
        Assert.Equal(5, profile.EventCount);
        Assert.Equal(5, profile.Events["Product Viewed"].Count);
    }

    [Fact]
    public void Apply_LateEventOlderThanFullWindow_IsNotInserted()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 3);
        var profile = new CustomerProfile();
        builder.Apply(profile, Track("m-1", T0.AddMinutes(1), "Product Viewed"), 1);
        builder.Apply(profile, Track("m-2", T0.AddMinutes(2), "Product Viewed"), 2);
        builder.Apply(profile, Track("m-3", T0.AddMinutes(3), "Product Viewed"), 3);

        builder.Apply(profile, Track("m-0", T0, "Product Viewed"), 4);

        Assert.Equal(["m-1", "m-2", "m-3"], profile.RecentEvents.Select(r => r.MessageId));
        Assert.Equal(4, profile.EventCount);
        Assert.Equal(4, profile.Sequence);
        Assert.Equal(T0, profile.FirstSeen);
    }

    [Fact]
    public void Apply_ReturnsTheMessageIdThatIsNoLongerInTheWindow()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 2);
        var profile = new CustomerProfile();

        var first = builder.Apply(profile, Track("m-1", T0.AddMinutes(1), "Product Viewed"), 1);
        var second = builder.Apply(profile, Track("m-2", T0.AddMinutes(2), "Product Viewed"), 2);
        var third = builder.Apply(profile, Track("m-3", T0.AddMinutes(3), "Product Viewed"), 3);
        var late = builder.Apply(profile, Track("m-0", T0, "Product Viewed"), 4);

        Assert.Equal(new[] { null, null, "m-1", "m-0" }, new[] { first, second, third, late });
        Assert.Equal(["m-2", "m-3"], profile.RecentEvents.Select(r => r.MessageId));
        Assert.Equal("m-5", new ProfileBuilder(SectionMap.Default, 0).Apply(new CustomerProfile(), Track("m-5", T0, "X"), 1));
    }

    [Fact]
    public void Apply_LateEventInsideWindow_IsInsertedInEventTimeOrder()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 3);
        var profile = new CustomerProfile();
        builder.Apply(profile, Track("m-1", T0.AddMinutes(1), "Product Viewed"), 1);
        builder.Apply(profile, Track("m-3", T0.AddMinutes(3), "Product Viewed"), 2);
        builder.Apply(profile, Track("m-4", T0.AddMinutes(4), "Product Viewed"), 3);

        builder.Apply(profile, Track("m-2", T0.AddMinutes(2), "Product Viewed"), 4);

        Assert.Equal(["m-2", "m-3", "m-4"], profile.RecentEvents.Select(r => r.MessageId));
    }

    [Fact]
    public void Apply_WindowOfZero_KeepsNoRecentEvents()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 0);
        var profile = new CustomerProfile();

        builder.Apply(profile, Track("m-1", T0, "Product Viewed"), 1);

        Assert.Empty(profile.RecentEvents);
        Assert.Equal(1, profile.EventCount);
    }

    [Fact]
    public void Apply_RecentEvent_RecordsItsDetails()
    {
        var evt = Track("m-1", T0, "Order Completed", 5) with { Source = "web", ReceivedAt = T0.AddSeconds(3) };

        var profile = Build(evt);

        var recent = Assert.Single(profile.RecentEvents);
        Assert.Equal("m-1", recent.MessageId);
        Assert.Equal(EventType.Track, recent.Type);
        Assert.Equal("Order Completed", recent.Name);
        Assert.Equal(T0, recent.EventTime);
        Assert.Equal(T0.AddSeconds(3), recent.ReceivedAt);
        Assert.Equal(ProfileSection.Behavioral, recent.Section);
        Assert.Equal("web", recent.Source);
        Assert.Equal(1, recent.Sequence);
    }

    [Fact]
    public void Apply_IdentifierSeenInSeveralEvents_RecordsEarliestEventTime()
    {
        var profile = Build(
            Track("m-2", T0.AddHours(1), "Product Viewed") with { Source = "web" },
            Track("m-1", T0, "Order Completed") with { Source = "pos" },
            Track("m-3", T0.AddHours(2), "Product Viewed") with { Source = "app" });

        var record = Assert.Single(profile.Identifiers);
        Assert.Equal(new ExternalId("user_id", "u-1"), record.ToExternalId());
        Assert.Equal(T0, record.FirstSeen);
        Assert.Equal("pos", record.Source);
        Assert.Equal("m-1", record.MessageId);
        Assert.True(profile.HasIdentifier(new ExternalId("user_id", "u-1")));
    }

    [Fact]
    public void Apply_EventsWithSeveralIdentifiers_RecordsEachOnce()
    {
        var profile = Build(
            WithAnonymousId(Identify("m-1", T0, new() { ["email"] = "Ada@Example.com" }), "anon-1"),
            WithAnonymousId(Track("m-2", T0.AddMinutes(5), "Product Viewed"), "anon-2"));

        Assert.Equal(
            [
                ("anonymous_id", "anon-1", T0),
                ("anonymous_id", "anon-2", T0.AddMinutes(5)),
                ("email", "ada@example.com", T0),
                ("user_id", "u-1", T0),
            ],
            profile.Identifiers.Select(r => (r.Type, r.Value, r.FirstSeen)).Order());
    }

    [Fact]
    public void Apply_EventsOutOfOrder_SetFirstSeenAndLastSeen()
    {
        var profile = Build(
            Track("m-1", T0.AddHours(1), "Product Viewed"),
            Track("m-2", T0, "Product Viewed"),
            Track("m-3", T0.AddHours(2), "Product Viewed"),
            Track("m-4", T0.AddMinutes(30), "Product Viewed"));

        Assert.Equal(T0, profile.FirstSeen);
        Assert.Equal(T0.AddHours(2), profile.LastSeen);
        Assert.Equal(4, profile.EventCount);
    }

    [Fact]
    public void Apply_EventWithSentAt_UsesSkewCorrectedTime()
    {
        var evt = Track("m-1", T0, "Product Viewed") with { SentAt = T0.AddMinutes(10), ReceivedAt = T0.AddMinutes(11) };

        var profile = Build(evt);

        Assert.Equal(T0.AddMinutes(1), profile.FirstSeen);
        Assert.Equal(T0.AddMinutes(1), profile.Events["Product Viewed"].FirstTime);
    }

    [Theory]
    [InlineData("Order Completed", ProfileSection.Behavioral)]
    [InlineData("order_completed", ProfileSection.Behavioral)]
    [InlineData("Email Opened", ProfileSection.Engagement)]
    [InlineData("NPS Survey Answered", ProfileSection.Attitudinal)]
    [InlineData("Quarterly Feedback Given", ProfileSection.Attitudinal)]
    [InlineData("Ad Campaign Joined", ProfileSection.Engagement)]
    [InlineData("Product Reviewed", ProfileSection.Attitudinal)]
    [InlineData("Something Unmapped", ProfileSection.Behavioral)]
    public void Apply_TrackEvent_PlacesAggregateInSection(string name, ProfileSection section)
    {
        var profile = Build(Track("m-1", T0, name));

        Assert.Equal(section, profile.Events[name].Section);
        Assert.Equal(section, Assert.Single(profile.RecentEvents).Section);
    }

    [Fact]
    public void Apply_AddressAdded_IsNotPlacedByKeywordAd()
    {
        var profile = Build(Track("m-1", T0, "Address Added"));

        Assert.Equal(ProfileSection.Behavioral, profile.Events["Address Added"].Section);
    }

    [Fact]
    public void Apply_Page_IsPlacedInEngagement()
    {
        var profile = Build(View(EventType.Page, "m-1", T0, null));

        Assert.Equal(ProfileSection.Engagement, profile.Events[ProfileBuilder.PageViewed].Section);
        Assert.Equal(ProfileSection.Engagement, Assert.Single(profile.RecentEvents).Section);
    }

    [Theory]
    [InlineData("first_name", ProfileSection.Personal)]
    [InlineData("firstName", ProfileSection.Personal)]
    [InlineData("plan", ProfileSection.Behavioral)]
    [InlineData("Plan", ProfileSection.Behavioral)]
    [InlineData("nps", ProfileSection.Attitudinal)]
    [InlineData("NPS-Score", ProfileSection.Attitudinal)]
    [InlineData("newsletter", ProfileSection.Engagement)]
    [InlineData("favourite_colour", ProfileSection.Personal)]
    public void Apply_IdentifyTrait_PlacesTraitInSection(string trait, ProfileSection section)
    {
        var profile = Build(Identify("m-1", T0, new() { [trait] = "x" }));

        Assert.Equal(section, profile.Traits[trait].Section);
    }

    [Fact]
    public void Apply_ConfiguredMapping_OverridesDefaultSections()
    {
        var sections = new SectionMap(new ProfileSectionMapping
        {
            Events = { ["Webinar Attended"] = ProfileSection.Engagement },
            Traits = { ["favourite_colour"] = ProfileSection.Attitudinal },
        });
        var builder = new ProfileBuilder(sections, 10);
        var profile = new CustomerProfile();

        builder.Apply(profile, Track("m-1", T0, "Webinar Attended"), 1);
        builder.Apply(profile, Track("m-2", T0, "webinar-attended"), 2);
        builder.Apply(profile, Identify("m-3", T0, new() { ["favourite_colour"] = "teal", ["favouriteColour"] = "red" }), 3);

        Assert.Equal(ProfileSection.Engagement, profile.Events["Webinar Attended"].Section);
        Assert.Equal(ProfileSection.Engagement, profile.Events["webinar-attended"].Section);
        Assert.Equal(ProfileSection.Attitudinal, profile.Traits["favourite_colour"].Section);
        Assert.Equal(ProfileSection.Attitudinal, profile.Traits["favouriteColour"].Section);
        Assert.Equal(ProfileSection.Behavioral, SectionMap.Default.ForEvent(EventType.Track, "Webinar Attended"));
    }

    [Fact]
    public void Apply_Group_StoresGroupTraitsNotProfileTraits()
    {
        var profile = Build(Group("m-1", T0, "acme", new() { ["name"] = "Acme Ltd", ["employees"] = 40 }));

        var membership = profile.Groups["acme"];
        Assert.Equal("acme", membership.GroupId);
        Assert.Equal(
            CdpValue.Object(new() { ["name"] = "Acme Ltd", ["employees"] = 40 }),
            CdpValue.Object(membership.Traits));
        Assert.Equal(T0, membership.EventTime);
        Assert.Equal("m-1", membership.MessageId);
        Assert.Empty(profile.Traits);
        Assert.Equal("acme", Assert.Single(profile.RecentEvents).Name);
    }

    [Fact]
    public void Apply_LateGroupCall_KeepsNewerGroupTraits()
    {
        var newer = Group("m-2", T0.AddHours(1), "acme", new() { ["plan"] = "pro" });
        var older = Group("m-1", T0, "acme", new() { ["plan"] = "free" });

        var profile = Build(newer, older);

        Assert.Equal(CdpValue.Object(new() { ["plan"] = "pro" }), CdpValue.Object(profile.Groups["acme"].Traits));
        Assert.Equal("m-2", profile.Groups["acme"].MessageId);
    }

    [Fact]
    public void Apply_SameEventsInDifferentOrders_BuildsEqualProfiles()
    {
        var random = new Random(20250301);
        var events = Enumerable.Range(0, 200).Select(i => RandomEvent(random, i)).ToArray();
        var shuffled = events.ToArray();
        random.Shuffle(shuffled);
        Assert.NotEqual(events.Select(e => e.MessageId), shuffled.Select(e => e.MessageId));

        var builder = new ProfileBuilder(SectionMap.Default, 20);
        var first = new CustomerProfile();
        var second = new CustomerProfile();
        for (var i = 0; i < events.Length; i++)
        {
            builder.Apply(first, events[i], i + 1);
            builder.Apply(second, shuffled[i], i + 1);
        }

        Assert.Equal(200, first.EventCount);
        Assert.Equal(first.EventCount, second.EventCount);
        Assert.Equal(first.FirstSeen, second.FirstSeen);
        Assert.Equal(first.LastSeen, second.LastSeen);
        Assert.Equal(TraitSummary(first), TraitSummary(second));
        Assert.Equal(AggregateSummary(first), AggregateSummary(second));
        Assert.Equal(IdentifierSummary(first), IdentifierSummary(second));
        Assert.Equal(GroupSummary(first), GroupSummary(second));
        Assert.Equal(first.RecentEvents.Select(r => r.MessageId), second.RecentEvents.Select(r => r.MessageId));
        Assert.Equal(20, first.RecentEvents.Count);
        Assert.Equal(3, first.Traits.Count);
        Assert.Equal(4, first.Events.Count);
    }

    // Event times fall on 40 distinct minutes, so many events share a time and the messageId tie-break matters.
    private static CdpEvent RandomEvent(Random random, int index)
    {
        var messageId = $"m-{random.Next(1_000_000):D6}-{index:D3}";
        var time = T0.AddMinutes(random.Next(40));
        string[] plans = ["free", "pro", "team"];
        string[] cities = ["Leeds", "Lyon", "Lagos"];
        string[] names = ["Order Completed", "Email Opened", "Product Viewed"];
        var evt = (index % 5) switch
        {
            0 => Identify(messageId, time, new()
            {
                ["plan"] = plans[random.Next(plans.Length)],
                ["city"] = cities[random.Next(cities.Length)],
                ["email"] = $"user{random.Next(3)}@example.com",
            }),
            1 => Track(messageId, time, names[random.Next(names.Length)], random.Next(1, 100_000) / 100.0),
            2 => View(EventType.Page, messageId, time, "Home"),
            3 => Group(messageId, time, $"g-{random.Next(2)}", new() { ["seats"] = random.Next(1, 50) }),
            _ => Track(messageId, time, "Order Completed", random.Next(1, 100_000) / 100.0),
        };

        return WithAnonymousId(evt, $"anon-{random.Next(4)}") with
        {
            Source = $"source-{random.Next(3)}",
            ReceivedAt = time.AddSeconds(random.Next(60)),
        };
    }

    private static string[] TraitSummary(CustomerProfile profile) =>
    [
        .. profile.Traits
            .OrderBy(t => t.Key, StringComparer.Ordinal)
            .Select(t => $"{t.Key}={t.Value.Value} {Provenance(t.Value)}"),
    ];

    private static string Provenance(TraitValue trait) =>
        $"{trait.EventTime:O} {trait.ReceivedAt:O} {trait.MessageId} {trait.Source} {trait.Section}";

    private static string[] AggregateSummary(CustomerProfile profile) =>
    [
        .. profile.Events.Values
            .OrderBy(a => a.Name, StringComparer.Ordinal)
            .Select(a => $"{a.Name} {a.Count} {a.Sum} {a.FirstTime:O} {a.LastTime:O} {a.Section}"),
    ];

    private static string[] IdentifierSummary(CustomerProfile profile) =>
    [
        .. profile.Identifiers
            .Select(r => $"{r.Type}:{r.Value} {r.FirstSeen:O} {r.MessageId} {r.Source}")
            .Order(StringComparer.Ordinal),
    ];

    private static string[] GroupSummary(CustomerProfile profile) =>
    [
        .. profile.Groups.Values
            .OrderBy(g => g.GroupId, StringComparer.Ordinal)
            .Select(g => $"{g.GroupId} {CdpValue.Object(g.Traits)} {g.EventTime:O} {g.MessageId}"),
    ];

    private CustomerProfile Build(params CdpEvent[] events)
    {
        var profile = new CustomerProfile();
        for (var i = 0; i < events.Length; i++)
        {
            _builder.Apply(profile, events[i], i + 1);
        }

        return profile;
    }

    private static CdpEvent Identify(string messageId, DateTimeOffset time, Dictionary<string, CdpValue> traits) =>
        Routed(new CdpEvent { Type = EventType.Identify, MessageId = messageId, UserId = "u-1", Traits = traits }, time);

    private static CdpEvent Track(string messageId, DateTimeOffset time, string name, double? revenue = null) =>
        Routed(
            new CdpEvent
            {
                Type = EventType.Track,
                MessageId = messageId,
                UserId = "u-1",
                Event = name,
                Properties = revenue is { } amount ? new() { ["revenue"] = amount } : null,
            },
            time);

    private static CdpEvent WithAnonymousId(CdpEvent evt, string anonymousId)
    {
        var withAnonymousId = evt with { AnonymousId = anonymousId };
        return withAnonymousId with { Identifiers = Identifiers.Extract(withAnonymousId) };
    }

    private static CdpEvent View(EventType type, string messageId, DateTimeOffset time, string? name) =>
        Routed(new CdpEvent { Type = type, MessageId = messageId, UserId = "u-1", Name = name }, time);

    private static CdpEvent Group(string messageId, DateTimeOffset time, string groupId, Dictionary<string, CdpValue>? traits) =>
        Routed(
            new CdpEvent { Type = EventType.Group, MessageId = messageId, UserId = "u-1", GroupId = groupId, Traits = traits },
            time);

    // Shapes an event as the ingest grain hands it to a customer: timestamp, receivedAt and identifiers set.
    private static CdpEvent Routed(CdpEvent evt, DateTimeOffset time) =>
        evt with { Timestamp = time, ReceivedAt = time.AddSeconds(2), Identifiers = Identifiers.Extract(evt) };
}
