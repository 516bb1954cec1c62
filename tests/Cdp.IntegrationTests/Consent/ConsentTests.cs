using Cdp.Client;
using Cdp.Grains.Consent;
using Cdp.Grains.Domain;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Consent;

/// <summary>The consent ledger through the SDK and on events, its enforcement, and consent in merges.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class ConsentTests(MemoryClusterFixture fixture)
{
    private static readonly DateTimeOffset Start = new(2026, 10, 1, 12, 0, 0, TimeSpan.Zero);

    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task Consent_NewestEventTimeWins_LateChangeKeptInHistory_ExpiredGrantIsNotAllowed()
    {
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("consent"));
        var grant = new ConsentChange("email_marketing", ConsentStatus.Granted, LegalBasis: "consent", PolicyVersion: "v3");
        await _client.SetConsentAsync(who, [grant], new EventOptions { Timestamp = Start.AddHours(2), Source = "preference-center" });
        await _client.SetConsentAsync(who, [new ConsentChange("Email Marketing", ConsentStatus.Denied)],
            new EventOptions { Timestamp = Start.AddHours(1), Source = "old-crm" });
        await _client.SetConsentAsync(who, [new ConsentChange("advertising", ConsentStatus.Granted, ExpiresAt: Start.AddDays(1))],
            new EventOptions { Timestamp = Start });

        var ledger = await _client.GetConsentAsync(who);

        Assert.NotNull(ledger);
        var email = Assert.Single(ledger.Current, c => c.Purpose == "email_marketing");
        Assert.Equal(
            (ConsentStatus.Granted, "consent", "v3", "preference-center", Start.AddHours(2)),
            (email.Status, email.LegalBasis, email.PolicyVersion, email.Source, email.EventTime));
        Assert.Equal(
            [("email_marketing", ConsentStatus.Granted, true), ("email_marketing", ConsentStatus.Denied, false),
                ("advertising", ConsentStatus.Granted, true)],
            ledger.History.Select(h => (h.Purpose, h.Status, h.Applied)));
        Assert.True(await _client.IsAllowedAsync(who, "email_marketing"));
        Assert.False(await _client.IsAllowedAsync(who, "advertising"));
        Assert.False(await _client.IsAllowedAsync(who, "analytics"));
        Assert.False(await _client.IsAllowedAsync(new ExternalId(IdentifierTypes.UserId, TestIds.New("nobody")), "analytics"));
    }

    [Fact]
    public async Task Consent_OnEvents_InSegmentAndRudderStackForms_IsRecorded()
    {
        var segment = TestIds.New("segment");
        var rudder = TestIds.New("rudder");
        await _client.SendAsync(new CdpEvent
        {
            Type = EventType.Track,
            UserId = segment,
            Event = "Cookie Banner Closed",
            Context = new()
            {
                ["consent"] = CdpValue.Object(new()
                {
                    ["categoryPreferences"] = CdpValue.Object(new() { ["Advertising"] = false, ["Analytics"] = true }),
                }),
            },
        });
        await _client.SendAsync(new CdpEvent
        {
            Type = EventType.Page,
            AnonymousId = rudder,
            Context = new()
            {
                ["consentManagement"] = CdpValue.Object(new()
                {
                    ["provider"] = "custom",
                    ["allowedConsentIds"] = CdpValue.Array("personalization", "data-sharing"),
                    ["deniedConsentIds"] = CdpValue.Array("sms_marketing"),
                }),
            },
        });

        var fromSegment = await _client.GetConsentAsync(new ExternalId(IdentifierTypes.UserId, segment));
        var fromRudder = await _client.GetConsentAsync(new ExternalId(IdentifierTypes.AnonymousId, rudder));

        Assert.Equal(
            [("advertising", ConsentStatus.Denied), ("analytics", ConsentStatus.Granted)],
            fromSegment!.Current.Select(c => (c.Purpose, c.Status)).OrderBy(c => c.Purpose, StringComparer.Ordinal));
        Assert.Equal(
            [
                ("data_sharing", ConsentStatus.Granted), ("personalization", ConsentStatus.Granted),
                ("sms_marketing", ConsentStatus.Denied),
            ],
            fromRudder!.Current.Select(c => (c.Purpose, c.Status)).OrderBy(c => c.Purpose, StringComparer.Ordinal));
    }

    [Fact]
    public async Task Consent_UnknownPurposeOrMalformed_IsRefusedNamingTheField_AndChangesNothing()
    {
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("bad-consent"));
        await _client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);

        var unknown = await Assert.ThrowsAsync<CdpValidationException>(() =>
            _client.SetConsentAsync(who, [new ConsentChange("telepathy", ConsentStatus.Granted)]));
        var malformed = await Assert.ThrowsAsync<CdpValidationException>(() => _client.SendAsync(new CdpEvent
        {
            Type = EventType.Track,
            UserId = who.Value,
            Event = "Banner",
            Context = new()
            {
                ["consent"] = CdpValue.Object(new() { ["categoryPreferences"] = CdpValue.Object(new() { ["analytics"] = "yes" }) }),
            },
        }));
        var badChannel = await Assert.ThrowsAsync<CdpValidationException>(() =>
            _client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Denied, Channel: "fax")]));

        var error = Assert.Single(unknown.Errors);
        Assert.Equal(("context.consent.purposes[0].purpose", CdpValidationRule.NotFound), (error.Field, error.Rule));
        const string Expected = "'telepathy' is not a consent purpose of this deployment; the purposes are analytics, ";
        Assert.StartsWith(Expected, error.Message, StringComparison.Ordinal);
        Assert.Equal(
            ("context.consent.categoryPreferences.analytics", CdpValidationRule.WrongType),
            (Assert.Single(malformed.Errors).Field, malformed.Errors[0].Rule));
        Assert.Equal(
            ("context.consent.purposes[0].channel", CdpValidationRule.NotFound), (badChannel.Errors[0].Field, badChannel.Errors[0].Rule));
        var profile = await _client.GetProfileAsync(who);
        Assert.Equal((1L, ConsentStatus.Granted), (profile!.EventCount, Assert.Single(profile.Consent.Values).Status));
        await Assert.ThrowsAsync<CdpValidationException>(() => _client.IsAllowedAsync(who, "telepathy"));
    }

    [Fact]
    public async Task Enforcement_DropsExactlyTheCustomersWithoutGrantedConsent()
    {
        var tag = TestIds.New("enforce");
        var cases = new (string Name, ConsentChange[] Changes, bool ForWeb)[]
        {
            ("granted", [new("personalization", ConsentStatus.Granted)], true),
            ("denied", [new("personalization", ConsentStatus.Denied)], false),
            ("never-asked", [new("analytics", ConsentStatus.Granted)], false),
            ("expired", [new("personalization", ConsentStatus.Granted, ExpiresAt: Start)], false),
            ("web-only", [new("personalization", ConsentStatus.Denied), new("personalization", ConsentStatus.Granted, Channel: "web")],
                true),
            ("not-web", [new("personalization", ConsentStatus.Granted), new("personalization", ConsentStatus.Denied, Channel: "web")],
                false),
        };
        foreach (var (name, changes, _) in cases)
        {
            await _client.SetConsentAsync(new ExternalId(IdentifierTypes.UserId, $"{tag}-{name}"), changes);
        }

        var profiles = new List<CustomerProfile>();
        foreach (var (name, _, _) in cases)
        {
            profiles.Add((await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, $"{tag}-{name}")))!);
        }

        var enforcer = new ConsentEnforcer(ConsentCatalog.Default, TimeProvider.System);
        var passed = enforcer.Filter(profiles, p => p, "personalization", "web").Select(p => p.Identifiers[0].Value);

        Assert.Equal(cases.Where(c => c.ForWeb).Select(c => $"{tag}-{c.Name}"), passed);
        foreach (var (name, _, forWeb) in cases)
        {
            var id = new ExternalId(IdentifierTypes.UserId, $"{tag}-{name}");
            Assert.Equal(forWeb, await _client.IsAllowedAsync(id, "Personalization", "web"));
        }
    }

    [Fact]
    public async Task Merge_OfDisagreeingConsent_KeepsTheMostRestrictiveAndRecordsIt()
    {
        var ada = new ExternalId(IdentifierTypes.UserId, TestIds.New("ada"));
        var crm = new ExternalId(IdentifierTypes.CrmId, TestIds.New("crm"));
        await _client.SetConsentAsync(ada, [new("email_marketing", ConsentStatus.Granted), new("analytics", ConsentStatus.Granted)],
            new EventOptions { Timestamp = Start.AddHours(3) });
        await _client.SetConsentAsync(crm, [new("email_marketing", ConsentStatus.Denied), new("analytics", ConsentStatus.Granted)],
            new EventOptions { Timestamp = Start });

        await _client.TrackAsync(CustomerRef.User(ada.Value).And(crm.Type, crm.Value), "Support Chat");

        var merged = await _client.GetProfileAsync(crm);
        Assert.Equal(
            [("analytics", ConsentStatus.Granted), ("email_marketing", ConsentStatus.Denied)],
            merged!.Consent.Values.Select(c => (c.Purpose, c.Status)).OrderBy(c => c.Purpose, StringComparer.Ordinal));
        var resolved = Assert.Single(merged.Journal, e => e.Action == IdentityAction.ConsentResolved);
        Assert.Equal("consent:email_marketing", resolved.Rule);
        Assert.Contains("granted (as of 2026-10-01 15:00:00Z) on", resolved.Detail, StringComparison.Ordinal);
        Assert.EndsWith("denied is kept.", resolved.Detail, StringComparison.Ordinal);
        Assert.False(await _client.IsAllowedAsync(ada, "email_marketing"));

        // A decision made after the merge counts as usual.
        await _client.SetConsentAsync(
            ada, [new("email_marketing", ConsentStatus.Granted)], new EventOptions { Timestamp = Start.AddDays(1) });
        Assert.True(await _client.IsAllowedAsync(crm, "email_marketing"));
    }
}
