using Cdp.Grains.Domain;
using Cdp.Grains.Segments;

namespace Cdp.UnitTests.Segments;

public sealed class SegmentEvaluatorTests
{
    private static readonly DateTimeOffset T0 = new(2026, 6, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ProfileBuilder _builder = new(new SectionMap(new()), 100);
    private readonly SegmentEvaluator _evaluator = new(maxWindowEntries: 50);
    private readonly CustomerProfile _profile = new() { CustomerId = "c1" };
    private long _sequence;

    public static TheoryData<CdpValue?, ValueOperator, CdpValue?, bool> Operators => new()
    {
        { "pro", ValueOperator.Equal, "pro", true },
        { "pro", ValueOperator.Equal, "Pro", false },
        { 3, ValueOperator.Equal, 3.0, true },
        { null, ValueOperator.Equal, CdpValue.Null, true },
        { "x", ValueOperator.Equal, CdpValue.Null, false },
        { null, ValueOperator.Equal, "pro", false },
        { "pro", ValueOperator.NotEqual, "free", true },
        { null, ValueOperator.NotEqual, "free", true },
        { "pro", ValueOperator.NotEqual, "pro", false },
        { 5, ValueOperator.Greater, 4, true },
        { 4, ValueOperator.Greater, 4, false },
        { 4, ValueOperator.GreaterOrEqual, 4, true },
        { 3, ValueOperator.Less, 4, true },
        { 4, ValueOperator.Less, 4, false },
        { 4, ValueOperator.LessOrEqual, 4, true },
        { "5", ValueOperator.Greater, 4, false },
        { null, ValueOperator.Less, 4, false },
        { "ada@example.com", ValueOperator.Contains, "@example", true },
        { "ada@example.com", ValueOperator.Contains, "@EXAMPLE", false },
        { CdpValue.Array("a", "b"), ValueOperator.Contains, "b", true },
        { 42, ValueOperator.Contains, "4", false },
        { "ada@example.com", ValueOperator.StartsWith, "ada", true },
        { "ada@example.com", ValueOperator.StartsWith, "example", false },
        { "team", ValueOperator.In, CdpValue.Array("pro", "team"), true },
        { "free", ValueOperator.In, CdpValue.Array("pro", "team"), false },
        { 2, ValueOperator.In, CdpValue.Array(1, 2), true },
        { null, ValueOperator.In, CdpValue.Array("pro"), false },
        { "x", ValueOperator.Exists, null, true },
        { CdpValue.Null, ValueOperator.Exists, null, false },
        { null, ValueOperator.Exists, null, false },
    };

    [Theory]
    [MemberData(nameof(Operators))]
    public void Matches_EveryOperator(CdpValue? actual, ValueOperator op, CdpValue? expected, bool result) =>
        Assert.Equal(result, SegmentEvaluator.Matches(actual, op, expected));

    [Fact]
    public void Count_InAWindow_LeavesWhenTheWindowPasses_AndDeadlineNamesThatTime()
    {
        var catalog = Catalog(Segment("viewer", """count("Product Viewed", 30m) >= 1"""));

        var entered = Apply(catalog, Track("Product Viewed", T0), T0);
        var stillIn = SegmentEvaluator.OnTime(_profile, catalog, T0.AddMinutes(29), _ => true);
        var deadline = SegmentEvaluator.NextDeadline(_profile, catalog, T0.AddMinutes(29));
        var left = SegmentEvaluator.OnTime(_profile, catalog, T0.AddMinutes(30), _ => true);

        Assert.Equal([SegmentChange.Entered], entered.Select(o => o.Change));
        Assert.Empty(stillIn);
        Assert.Equal(T0.AddMinutes(30), deadline);
        Assert.Equal([(SegmentChange.Exited, (string?)null)], left.Select(o => (o.Change, o.MessageId)));
        Assert.False(_profile.Segments["viewer"].Member);
        Assert.Null(SegmentEvaluator.NextDeadline(_profile, catalog, T0.AddMinutes(30)));
    }

    [Fact]
    public void CountAndSum_WithFilters_EverAndInWindow()
    {
        var catalog = Catalog(
            Segment("three-orders", """count("Order Completed", 30d) >= 3"""),
            Segment("big-eur", """sum("Order Completed", "revenue", prop("currency") = "EUR") > 100"""));
        var now = T0.AddDays(40);

        Apply(catalog, Track("Order Completed", T0, new() { ["revenue"] = 90, ["currency"] = "EUR" }), now);
        Apply(catalog, Track("Order Completed", now.AddDays(-2), new() { ["revenue"] = 500, ["currency"] = "USD" }), now);
        Apply(catalog, Track("Order Completed", now.AddDays(-1), new() { ["revenue"] = 5, ["currency"] = "EUR" }), now);
        var beforeThird = (_profile.Segments["three-orders"].Member, _profile.Segments["big-eur"].Member);
        Apply(catalog, Track("Order Completed", now, new() { ["revenue"] = 6, ["currency"] = "EUR" }), now);

        Assert.Equal((false, false), beforeThird);
        Assert.Equal((true, true), (_profile.Segments["three-orders"].Member, _profile.Segments["big-eur"].Member));
    }

    [Fact]
    public void Absence_FiresWhenTheTimePassesWithoutTheFollowingEvent_OnlyOnce()
    {
        var catalog = Catalog(Trigger("abandoned", """not_followed_by("Product Added", "Order Completed", 1h)"""));

        var added = Apply(catalog, Track("Product Added", T0), T0);
        var due = SegmentEvaluator.NextDeadline(_profile, catalog, T0);
        var early = SegmentEvaluator.OnTime(_profile, catalog, T0.AddMinutes(59), _ => true);
        var fired = SegmentEvaluator.OnTime(_profile, catalog, T0.AddHours(1), _ => true);
        var again = SegmentEvaluator.OnTime(_profile, catalog, T0.AddHours(2), _ => true);

        Assert.Empty(added);
        Assert.Equal(T0.AddHours(1), due);
        Assert.Empty(early);
        Assert.Equal([SegmentChange.Fired], fired.Select(o => o.Change));
        Assert.Empty(again);
    }

    [Fact]
    public void Absence_FollowedInTime_DoesNotFire_AndANewCartStartsAgain()
    {
        var catalog = Catalog(Trigger("abandoned", """not_followed_by("Product Added", "Order Completed", 1h)"""));

        Apply(catalog, Track("Product Added", T0), T0);
        Apply(catalog, Track("Order Completed", T0.AddMinutes(30)), T0.AddMinutes(30));
        var afterOrder = SegmentEvaluator.OnTime(_profile, catalog, T0.AddHours(2), _ => true);
        Apply(catalog, Track("Product Added", T0.AddHours(3)), T0.AddHours(3));
        var secondCart = SegmentEvaluator.OnTime(_profile, catalog, T0.AddHours(4), _ => true);

        Assert.Empty(afterOrder);
        Assert.Null(SegmentEvaluator.NextDeadline(_profile, catalog, T0.AddHours(4)));
        Assert.Equal([SegmentChange.Fired], secondCart.Select(o => o.Change));
    }

    [Fact]
    public void ConsentGating_WithoutGrantNothingIsPublished_GrantAnnouncesTheMember()
    {
        var catalog = Catalog(Segment("pro", """trait("plan") = "pro" """, purpose: "email_marketing"));
        var granted = false;

        var withoutConsent = Apply(catalog, Identify(T0, new() { ["plan"] = "pro" }), T0, _ => granted);
        granted = true;
        var withConsent = Apply(catalog, Consent(T0.AddMinutes(1)), T0.AddMinutes(1), _ => granted);
        granted = false;
        var withdrawn = Apply(catalog, Consent(T0.AddMinutes(2)), T0.AddMinutes(2), _ => granted);

        Assert.Empty(withoutConsent);
        Assert.True(_profile.Segments["pro"].Member);
        Assert.Equal([(SegmentChange.Entered, true)], withConsent.Select(o => (o.Change, o.Publish)));
        Assert.Equal([(SegmentChange.Exited, false)], withdrawn.Select(o => (o.Change, o.Publish)));
    }

    [Fact]
    public void Exits_OnePerAnnouncedSegment_PublishedWhereAllowed_AndLeaveMarksEveryMembershipOut()
    {
        var catalog = Catalog(
            Segment("pro", """trait("plan") = "pro" """),
            Segment("pro-mail", """trait("plan") = "pro" """, purpose: "email_marketing"),
            Segment("silent", """trait("plan") = "pro" """, purpose: "advertising"),
            Trigger("upgraded", """trait("plan") = "pro" """));
        Apply(catalog, Identify(T0, new() { ["plan"] = "pro" }), T0, purpose => purpose != "advertising");
        var later = T0.AddHours(1);

        var exits = SegmentEvaluator.Exits(_profile, catalog, later, purpose => purpose == "analytics");
        var quiet = SegmentEvaluator.Exits(_profile, catalog, later, null);

        // "silent" is a member never announced (no consent), so no member list holds it; the trigger has no list.
        Assert.Equal(
            [("pro", SegmentChange.Exited, true), ("pro-mail", SegmentChange.Exited, false)],
            exits.Select(o => (o.Definition.Definition.Id, o.Change, o.Publish)).OrderBy(o => o.Id, StringComparer.Ordinal));
        Assert.Equal([false, false], quiet.Select(o => o.Publish));
        Assert.True(_profile.Segments["silent"].Member);

        SegmentEvaluator.Leave(_profile, later);

        Assert.All(
            _profile.Segments.Values.Where(m => m.Kind == DefinitionKind.Segment),
            m => Assert.Equal((false, false, later), (m.Member, m.Announced, m.Since)));
        Assert.Empty(SegmentEvaluator.Exits(_profile, catalog, later, _ => true));
    }

    [Fact]
    public void Member_OfAnotherSegment_FollowsItInTheSameEvaluation()
    {
        var catalog = Catalog(
            Segment("pro", """trait("plan") = "pro" """),
            Segment("pro-with-email", """member("pro") and has_id("email")"""));
        var evt = Identify(T0, new() { ["plan"] = "pro" }) with
        {
            Identifiers = [new ExternalId(IdentifierTypes.UserId, "u1"), new ExternalId(IdentifierTypes.Email, "ada@example.com")],
        };

        var outputs = Apply(catalog, evt, T0);

        Assert.Equal([("pro", SegmentChange.Entered), ("pro-with-email", SegmentChange.Entered)],
            outputs.Select(o => (o.Definition.Definition.Id, o.Change)));
    }

    [Fact]
    public void ComputedTraits_EveryFunction()
    {
        var catalog = Catalog(
            Computed("orders", """count("Order Completed")"""),
            Computed("spent", """sum("Order Completed", "revenue")"""),
            Computed("avg", """average("Order Completed", "revenue")"""),
            Computed("smallest", """min("Order Completed", "revenue")"""),
            Computed("largest", """max("Order Completed", "revenue")"""),
            Computed("first-item", """first("Order Completed", "item")"""),
            Computed("last-item", """last("Order Completed", "item")"""),
            Computed("favourite", """most_frequent("Order Completed", "item")"""),
            Computed("recent-spend", """sum("Order Completed", "revenue", 7d)"""));

        Apply(catalog, Track("Order Completed", T0.AddDays(-10), new() { ["revenue"] = 10, ["item"] = "tea" }), T0);
        Apply(catalog, Track("Order Completed", T0.AddDays(-1), new() { ["revenue"] = 30, ["item"] = "cake" }), T0);
        Apply(catalog, Track("Order Completed", T0.AddDays(-20), new() { ["revenue"] = 20, ["item"] = "cake" }), T0);

        Assert.Equal(
            [
                ("avg", (CdpValue?)20), ("favourite", "cake"), ("first-item", "cake"), ("largest", 30), ("last-item", "cake"),
                ("orders", 3), ("recent-spend", 30), ("smallest", 10), ("spent", 60),
            ],
            _profile.ComputedTraits.Values.OrderBy(v => v.DefinitionId, StringComparer.Ordinal).Select(v => (v.DefinitionId, v.Value)));
    }

    [Fact]
    public void UnrelatedEvent_TouchesNothing()
    {
        var catalog = Catalog(Segment("viewer", """count("Product Viewed", 30m) >= 1"""));

        Assert.Null(_evaluator.OnEvent(_profile, catalog, Apply(Track("Signed Up", T0)), T0, T0, _ => true));
    }

    [Fact]
    public void NewDefinition_IsBackfilledFromHistory_AndAnnouncedUnlessAskedNotTo()
    {
        var history = new[] { Track("Order Completed", T0.AddDays(-3)), Track("Order Completed", T0.AddDays(-2)) };
        foreach (var evt in history)
        {
            Apply(evt);
        }

        var catalog = Catalog(
            Segment("loyal", """count("Order Completed") >= 2"""),
            Segment("quiet", """count("Order Completed") >= 1""") with { AnnounceExisting = false });
        var stale = SegmentEvaluator.Prepare(_profile, catalog);
        foreach (var evt in history)
        {
            _evaluator.Feed(_profile, stale, evt, EventTimes.Of(evt), T0);
        }

        var outputs = SegmentEvaluator.EvaluateStale(_profile, catalog, stale, T0, _ => true);

        Assert.Equal([("loyal", true), ("quiet", false)], outputs.Select(o => (o.Definition.Definition.Id, o.Publish)));
        Assert.Empty(SegmentEvaluator.Prepare(_profile, catalog));
    }

    private List<SegmentOutput> Apply(CompiledCatalog catalog, CdpEvent evt, DateTimeOffset now, Func<string, bool>? allowed = null)
    {
        var applied = Apply(evt);
        if (_profile.SegmentState.CatalogVersion != catalog.Version)
        {
            SegmentEvaluator.Prepare(_profile, catalog);
        }

        return _evaluator.OnEvent(_profile, catalog, applied, EventTimes.Of(applied), now, allowed ?? (_ => true)) ?? [];
    }

    private CdpEvent Apply(CdpEvent evt)
    {
        _builder.Apply(_profile, evt, ++_sequence);
        return evt;
    }

    private static CdpEvent Track(string name, DateTimeOffset at, Dictionary<string, CdpValue>? properties = null) => new()
    {
        Type = EventType.Track,
        MessageId = Guid.NewGuid().ToString(),
        Event = name,
        Properties = properties,
        Timestamp = at,
        ReceivedAt = at,
        Identifiers = [new ExternalId(IdentifierTypes.UserId, "u1")],
    };

    private static CdpEvent Identify(DateTimeOffset at, Dictionary<string, CdpValue> traits) => new()
    {
        Type = EventType.Identify,
        MessageId = Guid.NewGuid().ToString(),
        Traits = traits,
        Timestamp = at,
        ReceivedAt = at,
        Identifiers = [new ExternalId(IdentifierTypes.UserId, "u1")],
    };

    private static CdpEvent Consent(DateTimeOffset at) => Identify(at, []) with
    {
        Context = new()
        {
            ["consent"] = CdpValue.Object(new() { ["categoryPreferences"] = CdpValue.Object(new() { ["analytics"] = true }) }),
        },
    };

    private static CompiledCatalog Catalog(params SegmentDefinition[] definitions) =>
        CompiledCatalog.Build(new DefinitionCatalog(1, [.. definitions.Select(d => d with { Version = 1 })]));

    private static SegmentDefinition Segment(string id, string text, string purpose = "analytics") =>
        new() { Id = id, Purpose = purpose, Condition = DefinitionText.ParseCondition(text) };

    private static SegmentDefinition Trigger(string id, string text) => Segment(id, text) with { Kind = DefinitionKind.Trigger };

    private static SegmentDefinition Computed(string id, string text) =>
        new() { Id = id, Kind = DefinitionKind.ComputedTrait, Purpose = "analytics", Computed = DefinitionText.ParseComputed(text) };
}
