using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class ProfileBuilderConsentTests
{
    private static readonly DateTimeOffset T0 = new(2026, 3, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ProfileBuilder _builder = new(SectionMap.Default, 100);

    [Fact]
    public void Apply_TwoDecisionsInEitherOrder_NewestEventTimeIsInForce()
    {
        var newer = Decision("m-1", T0.AddHours(2), "granted");
        var older = Decision("m-2", T0.AddHours(1), "denied");

        var forward = Build(_builder, older, newer);
        var backward = Build(_builder, newer, older);

        Assert.Equal(["email_marketing Granted m-1"], Current(forward));
        Assert.Equal(Current(forward), Current(backward));
    }

    [Fact]
    public void Apply_EveryArrivalOrderOfFourDecisions_SameDecisionsInForce()
    {
        CdpEvent[] decisions =
        [
            Decision("m-1", T0, "granted"),
            Decision("m-2", T0.AddMinutes(5), "denied", "advertising", "web"),
            Decision("m-3", T0.AddMinutes(10), "unknown"),
            Decision("m-4", T0.AddMinutes(1), "granted", "advertising", "web"),
        ];

        var outcomes = Permutations(decisions).Select(order => string.Join(" | ", Current(Build(_builder, order)))).Distinct();

        Assert.Equal(["advertising/web Denied m-2 | email_marketing Unknown m-3"], outcomes);
    }

    [Fact]
    public void Apply_EqualEventTimes_HigherMessageIdIsInForceInEitherOrder()
    {
        var a = Decision("m-a", T0, "denied");
        var b = Decision("m-b", T0, "granted");

        var forward = Build(_builder, a, b);
        var backward = Build(_builder, b, a);

        Assert.Equal(["email_marketing Granted m-b"], Current(forward));
        Assert.Equal(["email_marketing Granted m-b"], Current(backward));
    }

    [Fact]
    public void Apply_LateDecision_IsKeptInHistoryAsNotApplied()
    {
        var profile = Build(_builder, Decision("m-2", T0.AddHours(1), "granted"), Decision("m-1", T0, "denied"));

        Assert.Equal(
            [("m-2", ConsentStatus.Granted, true), ("m-1", ConsentStatus.Denied, false)],
            profile.ConsentHistory.Select(h => (h.MessageId, h.Status, h.Applied)));
        Assert.Equal("m-2", profile.Consent["email_marketing"].MessageId);
        Assert.True(profile.Consent["email_marketing"].Applied);
    }

    [Fact]
    public void Apply_DecisionsInEventTimeOrder_AreAllAppliedInHistory()
    {
        var profile = Build(_builder, Decision("m-1", T0, "denied"), Decision("m-2", T0.AddHours(1), "granted"));

        Assert.Equal(
            [("m-1", ConsentStatus.Denied, true), ("m-2", ConsentStatus.Granted, true)],
            profile.ConsentHistory.Select(h => (h.MessageId, h.Status, h.Applied)));
        Assert.Equal("m-2", profile.Consent["email_marketing"].MessageId);
    }

    [Fact]
    public void Apply_MoreDecisionsThanMaxHistory_DropsTheOldestArrivals()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 100, new ConsentCatalog(new CdpConsentOptions { MaxHistory = 3 }));

        var profile = Build(
            builder,
            Decision("m-1", T0.AddMinutes(1), "granted"),
            Decision("m-5", T0.AddMinutes(5), "denied"),
            Decision("m-2", T0.AddMinutes(2), "granted"),
            Decision("m-4", T0.AddMinutes(4), "denied", "analytics"),
            Decision("m-3", T0.AddMinutes(3), "granted"));

        Assert.Equal(["m-2", "m-4", "m-3"], profile.ConsentHistory.Select(h => h.MessageId));
        Assert.Equal(["analytics Denied m-4", "email_marketing Denied m-5"], Current(profile));
    }

    [Fact]
    public void Apply_OneEventWithSeveralDecisions_CountsEachAgainstMaxHistory()
    {
        var builder = new ProfileBuilder(SectionMap.Default, 100, new ConsentCatalog(new CdpConsentOptions { MaxHistory = 2 }));
        var evt = Routed(
            "m-1",
            T0,
            new()
            {
                ["consent"] = CdpValue.Object(new()
                {
                    ["categoryPreferences"] = CdpValue.Object(new() { ["analytics"] = true, ["advertising"] = false, ["sms"] = true }),
                }),
                ["consentManagement"] = CdpValue.Object(new() { ["deniedConsentIds"] = CdpValue.Array("data-sharing") }),
            });

        var profile = Build(builder, evt);

        Assert.Equal(["advertising", "data_sharing"], profile.ConsentHistory.Select(h => h.Purpose));
        Assert.Equal(["advertising", "analytics", "data_sharing"], profile.Consent.Keys.Order(StringComparer.Ordinal));
    }

    [Fact]
    public void Apply_Decision_RecordsItsProvenance()
    {
        var evt = Decision(
            "m-7", T0, "granted", "Advertising", "WEB", legalBasis: "consent", policyVersion: "2026-01", expiresAt: "2027-03-01T00:00:00Z")
            with { Source = "preference-center" };

        var profile = Build(_builder, evt);

        var record = profile.Consent["advertising/web"];
        Assert.Equal(
            ("advertising", "web", ConsentStatus.Granted, "consent", "2026-01", "preference-center", T0, T0.AddSeconds(2), "m-7",
                (DateTimeOffset?)new DateTimeOffset(2027, 3, 1, 0, 0, 0, TimeSpan.Zero), true),
            (record.Purpose, record.Channel, record.Status, record.LegalBasis, record.PolicyVersion, record.Source, record.EventTime,
                record.ReceivedAt, record.MessageId, record.ExpiresAt, record.Applied));
        var history = Assert.Single(profile.ConsentHistory);
        Assert.Equal(
            (record.Key, record.Status, record.LegalBasis, record.PolicyVersion, record.Source, record.EventTime, record.ReceivedAt,
                record.MessageId, record.ExpiresAt, record.Applied),
            (history.Key, history.Status, history.LegalBasis, history.PolicyVersion, history.Source, history.EventTime,
                history.ReceivedAt, history.MessageId, history.ExpiresAt, history.Applied));
    }

    [Fact]
    public void Apply_EventTimeCorrectedBySentAt_IsTheDecisionTime()
    {
        var evt = Decision("m-1", T0, "denied") with { SentAt = T0.AddMinutes(10) };

        var profile = Build(_builder, evt);

        Assert.Equal(T0.AddSeconds(-598), profile.Consent["email_marketing"].EventTime);
    }

    [Fact]
    public void Apply_ChannelAndPurposeDecisions_AreKeptApart()
    {
        var profile = Build(
            _builder,
            Decision("m-1", T0, "granted", "personalization"),
            Decision("m-2", T0.AddMinutes(1), "denied", "personalization", "email"),
            Decision("m-3", T0.AddMinutes(2), "granted", "personalization", "app"));

        Assert.Equal(
            ["personalization Granted m-1", "personalization/app Granted m-3", "personalization/email Denied m-2"],
            Current(profile));
    }

    [Fact]
    public void Apply_EventWithBadConsentEntries_AppliesTheGoodOnesAndTheRestOfTheEvent()
    {
        var evt = Routed(
            "m-1",
            T0,
            new()
            {
                ["consent"] = CdpValue.Object(new()
                {
                    ["categoryPreferences"] = CdpValue.Object(new() { ["Cookies"] = true, ["analytics"] = "yes", ["Analytics"] = false }),
                }),
            });

        var profile = Build(_builder, evt);

        Assert.Equal(["analytics Denied m-1"], Current(profile));
        Assert.Equal(1, profile.EventCount);
        Assert.Equal(1, profile.Events["Consent Changed"].Count);
    }

    [Fact]
    public void Apply_EventWithoutConsent_LeavesTheLedgerEmpty()
    {
        var profile = Build(_builder, Routed("m-1", T0, new() { ["locale"] = "en-GB" }), Routed("m-2", T0, null));

        Assert.Empty(profile.Consent);
        Assert.Empty(profile.ConsentHistory);
    }

    private static string[] Current(CustomerProfile profile) =>
    [
        .. profile.Consent
            .OrderBy(c => c.Key, StringComparer.Ordinal)
            .Select(c => $"{c.Key} {c.Value.Status} {c.Value.MessageId}"),
    ];

    private static IEnumerable<CdpEvent[]> Permutations(CdpEvent[] items) =>
        items.Length <= 1
            ? [items]
            : items.SelectMany((first, i) =>
                Permutations([.. items[..i], .. items[(i + 1)..]]).Select(rest => (CdpEvent[])[first, .. rest]));

    private static CustomerProfile Build(ProfileBuilder builder, params CdpEvent[] events)
    {
        var profile = new CustomerProfile();
        for (var i = 0; i < events.Length; i++)
        {
            builder.Apply(profile, events[i], i + 1);
        }

        return profile;
    }

    private static CdpEvent Decision(
        string messageId,
        DateTimeOffset time,
        string status,
        string purpose = "email_marketing",
        string? channel = null,
        string? legalBasis = null,
        string? policyVersion = null,
        string? expiresAt = null)
    {
        var item = new Dictionary<string, CdpValue> { ["purpose"] = purpose, ["status"] = status };
        AddIfSet(item, "channel", channel);
        AddIfSet(item, "legalBasis", legalBasis);
        AddIfSet(item, "policyVersion", policyVersion);
        AddIfSet(item, "expiresAt", expiresAt);
        var consent = CdpValue.Object(new() { ["purposes"] = CdpValue.Array(CdpValue.Object(item)) });
        return Routed(messageId, time, new() { ["consent"] = consent });

        static void AddIfSet(Dictionary<string, CdpValue> item, string name, string? value)
        {
            if (value is not null)
            {
                item[name] = value;
            }
        }
    }

    // Shaped as the ingest grain hands an event to a customer: timestamp, receivedAt and identifiers set.
    private static CdpEvent Routed(string messageId, DateTimeOffset time, Dictionary<string, CdpValue>? context)
    {
        var evt = new CdpEvent
        {
            Type = EventType.Track,
            MessageId = messageId,
            UserId = "u-1",
            Event = "Consent Changed",
            Context = context,
        };
        return evt with { Timestamp = time, ReceivedAt = time.AddSeconds(2), Identifiers = Identifiers.Extract(evt) };
    }
}
