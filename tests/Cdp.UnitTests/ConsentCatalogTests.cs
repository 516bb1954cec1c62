using System.Text;
using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class ConsentCatalogTests
{
    private const string DefaultPurposes = "analytics, personalization, email_marketing, sms_marketing, advertising, data_sharing";

    private static readonly ConsentCatalog Catalog = new(new CdpConsentOptions
    {
        Aliases = { ["C0004"] = "advertising", ["C0002"] = "Analytics" },
    });

    [Fact]
    public void Read_CategoryPreferences_TrueIsGrantedFalseIsDenied()
    {
        var evt = EventWithContext("""{ "consent": { "categoryPreferences": { "Advertising": false, "Analytics": true } } }""");
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(evt, errors);

        Assert.Equal(
            [new ConsentChange("advertising", ConsentStatus.Denied), new ConsentChange("analytics", ConsentStatus.Granted)],
            changes);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_ConsentManagementIds_AllowedAreGrantedDeniedAreDenied()
    {
        var evt = EventWithContext("""
            { "consentManagement": { "provider": "custom", "allowedConsentIds": ["personalization", "data-sharing"],
              "deniedConsentIds": ["SMS Marketing"] } }
            """);
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(evt, errors);

        Assert.Equal(
            [
                new ConsentChange("personalization", ConsentStatus.Granted),
                new ConsentChange("data_sharing", ConsentStatus.Granted),
                new ConsentChange("sms_marketing", ConsentStatus.Denied),
            ],
            changes);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_PurposesList_ReadsStatusChannelAndLedgerFields()
    {
        var evt = EventWithContext("""
            { "consent": { "purposes": [
              { "purpose": "Email Marketing", "status": "GRANTED", "legalBasis": "consent", "policyVersion": "v3",
                "expiresAt": "2026-01-01T00:00:00Z" },
              { "purpose": "advertising", "status": "denied", "channel": "Social" },
              { "purpose": "analytics", "status": "unknown", "expiresAt": "2026-02-01T10:00:00+02:00" }
            ] } }
            """);
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(evt, errors);

        Assert.Equal(
            [
                new ConsentChange("email_marketing", ConsentStatus.Granted, null, "consent", "v3",
                    new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero)),
                new ConsentChange("advertising", ConsentStatus.Denied, "social"),
                new ConsentChange("analytics", ConsentStatus.Unknown, ExpiresAt: new DateTimeOffset(2026, 2, 1, 8, 0, 0, TimeSpan.Zero)),
            ],
            changes);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_AllThreeForms_ReadsPreferencesThenPurposesThenIds()
    {
        var evt = EventWithContext("""
            { "consent": { "purposes": [{ "purpose": "analytics", "status": "denied" }],
                           "categoryPreferences": { "advertising": true } },
              "consentManagement": { "deniedConsentIds": ["data_sharing"], "allowedConsentIds": ["email_marketing"] } }
            """);

        var changes = Catalog.Read(evt);

        Assert.Equal(
            ["advertising:Granted", "analytics:Denied", "email_marketing:Granted", "data_sharing:Denied"],
            changes.Select(c => $"{c.Purpose}:{c.Status}"));
    }

    [Fact]
    public void Read_ConfiguredAliases_MapCategoryIdsToTheirPurposes()
    {
        var evt = EventWithContext("""
            { "consent": { "categoryPreferences": { "C0004": false } },
              "consentManagement": { "allowedConsentIds": ["c0002"] } }
            """);
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(evt, errors);

        Assert.Equal(
            [new ConsentChange("advertising", ConsentStatus.Denied), new ConsentChange("analytics", ConsentStatus.Granted)],
            changes);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_AliasWithoutConfiguration_IsNotAPurpose()
    {
        var evt = EventWithContext("""{ "consent": { "categoryPreferences": { "C0004": false } } }""");
        var errors = new List<CdpValidationError>();

        var changes = ConsentCatalog.Default.Read(evt, errors);

        Assert.Empty(changes);
        Assert.Equal(
            [new CdpValidationError("context.consent.categoryPreferences.C0004", CdpValidationRule.NotFound,
                $"'C0004' is not a consent purpose of this deployment; the purposes are {DefaultPurposes}.")],
            errors);
    }

    [Theory]
    [InlineData("email_marketing")]
    [InlineData("EMAIL_MARKETING")]
    [InlineData("Email Marketing")]
    [InlineData("email-marketing")]
    [InlineData("Email.Marketing")]
    [InlineData("  email marketing ")]
    public void PurposeOf_NameDifferingInCaseSpacesDashesOrDots_IsTheCatalogName(string name)
    {
        Assert.Equal("email_marketing", Catalog.PurposeOf(name));
    }

    [Theory]
    [InlineData("emailmarketing")]
    [InlineData("e-mail marketing")]
    [InlineData("marketing")]
    [InlineData("")]
    public void PurposeOf_OtherName_IsNull(string name)
    {
        Assert.Null(Catalog.PurposeOf(name));
    }

    [Theory]
    [InlineData("C0004", "advertising")]
    [InlineData("c0004", "advertising")]
    [InlineData("C0002", "analytics")]
    public void PurposeOf_ConfiguredAlias_IsItsPurpose(string alias, string purpose)
    {
        Assert.Equal(purpose, Catalog.PurposeOf(alias));
    }

    [Theory]
    [InlineData("personalization", "web", true)]
    [InlineData("personalization", "Email", true)]
    [InlineData("advertising", " SOCIAL ", true)]
    [InlineData("advertising", "email", false)]
    [InlineData("email_marketing", "email", false)]
    [InlineData("no_such_purpose", "web", false)]
    public void HasChannel_ChannelsDeclaredPerPurpose_MatchIgnoringCase(string purpose, string channel, bool expected)
    {
        Assert.Equal(expected, Catalog.HasChannel(purpose, channel));
    }

    [Theory]
    [InlineData("Email Marketing", "email_marketing")]
    [InlineData("  A.b-C d ", "a_b_c_d")]
    [InlineData("already_normal", "already_normal")]
    [InlineData("", "")]
    public void Normalize_Name_LowerCaseWithSpacesDashesAndDotsAsUnderscores(string name, string expected)
    {
        Assert.Equal(expected, ConsentCatalog.Normalize(name));
    }

    [Fact]
    public void Normalize_NameLongerThanStackBuffer_IsNormalizedWhole()
    {
        var name = new string('A', 150) + "-" + new string('B', 50);

        Assert.Equal(new string('a', 150) + "_" + new string('b', 50), ConsentCatalog.Normalize(name));
    }

    [Fact]
    public void Constructor_ConfiguredPurposesAndChannels_AreKeyedByNormalizedNames()
    {
        var options = new CdpConsentOptions { MaxHistory = 7 };
        options.Purposes["Newsletter-Weekly"] = new ConsentPurposeOptions { Channels = ["E-Mail", "Push"] };

        var catalog = new ConsentCatalog(options);

        Assert.Equal(
            ["analytics", "personalization", "email_marketing", "sms_marketing", "advertising", "data_sharing", "newsletter_weekly"],
            catalog.Purposes);
        Assert.Equal("newsletter_weekly", catalog.PurposeOf("Newsletter Weekly"));
        Assert.True(catalog.HasChannel("newsletter_weekly", "e.mail"));
        Assert.True(catalog.HasChannel("newsletter_weekly", "PUSH"));
        Assert.False(catalog.HasChannel("newsletter_weekly", "sms"));
        Assert.Equal(7, catalog.MaxHistory);
    }

    [Fact]
    public void Read_NoContextOrNullConsent_ReadsNothingAndRefusesNothing()
    {
        var errors = new List<CdpValidationError>();

        var withoutContext = Catalog.Read(new CdpEvent { Type = EventType.Track, UserId = "u-1", Event = "x" }, errors);
        var withNullConsent = Catalog.Read(EventWithContext("""{ "consent": null, "consentManagement": null }"""), errors);
        var withNullIds = Catalog.Read(EventWithContext("""{ "consentManagement": { "allowedConsentIds": null } }"""), errors);

        Assert.Empty(withoutContext);
        Assert.Empty(withNullConsent);
        Assert.Empty(withNullIds);
        Assert.Empty(errors);
    }

    [Theory]
    [InlineData("""{ "consent": "yes" }""", "context.consent", CdpValidationRule.WrongType, "must be an object.", "")]
    [InlineData("""{ "consent": [] }""", "context.consent", CdpValidationRule.WrongType, "must be an object.", "")]
    [InlineData(
        """{ "consent": { "categoryPreferences": ["analytics"] } }""",
        "context.consent.categoryPreferences", CdpValidationRule.WrongType, "must be an object of category names to true or false.", "")]
    [InlineData(
        """{ "consent": { "categoryPreferences": { "analytics": "yes" } } }""",
        "context.consent.categoryPreferences.analytics", CdpValidationRule.WrongType, "must be true (granted) or false (denied).", "")]
    [InlineData(
        """{ "consentManagement": { "allowedConsentIds": "analytics" } }""",
        "context.consentManagement.allowedConsentIds", CdpValidationRule.WrongType, "must be a list of category ids.", "")]
    [InlineData(
        """{ "consentManagement": { "deniedConsentIds": { "analytics": true } } }""",
        "context.consentManagement.deniedConsentIds", CdpValidationRule.WrongType, "must be a list of category ids.", "")]
    [InlineData(
        """{ "consentManagement": { "deniedConsentIds": ["analytics", 4] } }""",
        "context.consentManagement.deniedConsentIds[1]", CdpValidationRule.WrongType,
        "must be a category id (a string).", "analytics:Denied")]
    [InlineData(
        """{ "consent": { "purposes": { "purpose": "analytics" } } }""",
        "context.consent.purposes", CdpValidationRule.WrongType, "must be a list of { purpose, status, ... } objects.", "")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, "analytics"] } }""",
        "context.consent.purposes[1]", CdpValidationRule.WrongType, "must be an object { purpose, status, ... }.", "analytics:Granted")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, { "status": "granted" }] } }""",
        "context.consent.purposes[1].purpose", CdpValidationRule.Required, "is required.", "analytics:Granted")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, { "purpose": "", "status": "granted" }] } }""",
        "context.consent.purposes[1].purpose", CdpValidationRule.WrongType, "must be a non-empty string.", "analytics:Granted")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, { "purpose": "analytics" }] } }""",
        "context.consent.purposes[1].status", CdpValidationRule.Required,
        "must be \"granted\", \"denied\" or \"unknown\".", "analytics:Granted")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, { "purpose": "analytics", "status": "yes" }] } }""",
        "context.consent.purposes[1].status", CdpValidationRule.InvalidFormat,
        "must be \"granted\", \"denied\" or \"unknown\".", "analytics:Granted")]
    [InlineData(
        """{ "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" }, { "purpose": "analytics", "status": true }] } }""",
        "context.consent.purposes[1].status", CdpValidationRule.InvalidFormat,
        "must be \"granted\", \"denied\" or \"unknown\".", "analytics:Granted")]
    [InlineData(
        """
        { "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" },
          { "purpose": "analytics", "status": "granted", "legalBasis": 3 }] } }
        """,
        "context.consent.purposes[1].legalBasis", CdpValidationRule.WrongType, "must be a non-empty string.", "analytics:Granted")]
    [InlineData(
        """
        { "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" },
          { "purpose": "personalization", "status": "granted", "channel": "" }] } }
        """,
        "context.consent.purposes[1].channel", CdpValidationRule.WrongType, "must be a non-empty string.", "analytics:Granted")]
    [InlineData(
        """
        { "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" },
          { "purpose": "analytics", "status": "granted", "expiresAt": "next week" }] } }
        """,
        "context.consent.purposes[1].expiresAt", CdpValidationRule.InvalidDate, "must be an ISO 8601 date.", "analytics:Granted")]
    [InlineData(
        """
        { "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" },
          { "purpose": "advertising", "status": "granted", "channel": "Email" }] } }
        """,
        "context.consent.purposes[1].channel", CdpValidationRule.NotFound,
        "'Email' is not a channel of purpose 'advertising'.", "analytics:Granted")]
    [InlineData(
        """
        { "consent": { "purposes": [{ "purpose": "analytics", "status": "granted" },
          { "purpose": "email_marketing", "status": "granted", "channel": "email" }] } }
        """,
        "context.consent.purposes[1].channel", CdpValidationRule.NotFound,
        "'email' is not a channel of purpose 'email_marketing'.", "analytics:Granted")]
    public void Read_BadConsent_RefusedWithFieldPathRuleAndEventIndex(
        string context, string field, CdpValidationRule rule, string message, string read)
    {
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(EventWithContext(context), errors, 4);

        Assert.Equal([new CdpValidationError(field, rule, message) { EventIndex = 4 }], errors);
        Assert.Equal(read, string.Join(" ", changes.Select(c => $"{c.Purpose}:{c.Status}")));
    }

    [Theory]
    [InlineData("""{ "consent": { "categoryPreferences": { "Cookies": true } } }""", "context.consent.categoryPreferences.Cookies")]
    [InlineData("""{ "consentManagement": { "allowedConsentIds": ["Cookies"] } }""", "context.consentManagement.allowedConsentIds[0]")]
    [InlineData("""{ "consent": { "purposes": [{ "purpose": "Cookies", "status": "denied" }] } }""", "context.consent.purposes[0].purpose")]
    public void Read_UnknownPurposeInAnyForm_RefusedNamingThePurposes(string context, string field)
    {
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(EventWithContext(context), errors);

        Assert.Empty(changes);
        Assert.Equal(
            [new CdpValidationError(field, CdpValidationRule.NotFound,
                $"'Cookies' is not a consent purpose of this deployment; the purposes are {DefaultPurposes}.")],
            errors);
    }

    [Fact]
    public void Read_UnknownPurposeOfManyCharacters_IsShortenedInTheMessage()
    {
        var name = new string('x', 70);
        var errors = new List<CdpValidationError>();

        Catalog.Read(EventWithContext($$"""{ "consentManagement": { "deniedConsentIds": ["{{name}}"] } }"""), errors);

        var error = Assert.Single(errors);
        Assert.Equal(
            $"'{new string('x', 64)}…' is not a consent purpose of this deployment; the purposes are {DefaultPurposes}.",
            error.Message);
    }

    [Fact]
    public void Read_LedgerFieldLongerThan256_RefusedAsTooLong()
    {
        var version = new string('v', 257);
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(
            EventWithContext($$"""
                { "consent": { "purposes": [
                  { "purpose": "analytics", "status": "granted", "policyVersion": "{{version[..256]}}" },
                  { "purpose": "analytics", "status": "granted", "policyVersion": "{{version}}" }
                ] } }
                """),
            errors);

        Assert.Equal(
            [
                new CdpValidationError(
                    "context.consent.purposes[1].policyVersion", CdpValidationRule.TooLong, "may be at most 256 characters."),
            ],
            errors);
        Assert.Equal([new ConsentChange("analytics", ConsentStatus.Granted, PolicyVersion: version[..256])], changes);
    }

    [Fact]
    public void Read_SeveralProblemsInOneEntry_ListsEachAndReadsNothingFromIt()
    {
        var errors = new List<CdpValidationError>();

        var changes = Catalog.Read(
            EventWithContext("""
                { "consent": { "purposes": [{ "purpose": "Cookies", "status": "maybe", "legalBasis": "", "expiresAt": "soon" }] } }
                """),
            errors);

        Assert.Empty(changes);
        Assert.Equal(
            [
                ("context.consent.purposes[0].purpose", CdpValidationRule.NotFound),
                ("context.consent.purposes[0].status", CdpValidationRule.InvalidFormat),
                ("context.consent.purposes[0].legalBasis", CdpValidationRule.WrongType),
                ("context.consent.purposes[0].expiresAt", CdpValidationRule.InvalidDate),
            ],
            errors.Select(e => (e.Field, e.Rule)));
        Assert.All(errors, e => Assert.Null(e.EventIndex));
    }

    [Fact]
    public void Read_FiftyDecisions_AreAccepted()
    {
        var errors = new List<CdpValidationError>();

        var changes = Many.Read(EventWithDecisions(50), errors);

        Assert.Equal(50, changes.Count);
        Assert.Empty(errors);
    }

    [Fact]
    public void Read_FiftyOneDecisions_RefusedAsTooMany()
    {
        var errors = new List<CdpValidationError>();

        var changes = Many.Read(EventWithDecisions(51), errors, 2);

        Assert.Equal(51, changes.Count);
        Assert.Equal(
            [
                new CdpValidationError("context.consent", CdpValidationRule.TooMany, "at most 50 consent decisions per event.")
                {
                    EventIndex = 2,
                },
            ],
            errors);
    }

    [Fact]
    public void Read_WithoutErrorList_SkipsProblemsAndReadsGoodEntries()
    {
        var evt = EventWithContext("""
            { "consent": {
                "categoryPreferences": { "Cookies": true, "analytics": "yes", "advertising": false },
                "purposes": [
                  { "purpose": "personalization", "status": "granted", "channel": "sms" },
                  { "purpose": "personalization", "status": "granted", "channel": "app" },
                  { "purpose": "email_marketing", "status": "maybe" },
                  "data_sharing"
                ] },
              "consentManagement": { "deniedConsentIds": ["nope", 5, "sms-marketing"], "allowedConsentIds": "analytics" } }
            """);

        var changes = Catalog.Read(evt);

        Assert.Equal(
            [
                new ConsentChange("advertising", ConsentStatus.Denied),
                new ConsentChange("personalization", ConsentStatus.Granted, "app"),
                new ConsentChange("sms_marketing", ConsentStatus.Denied),
            ],
            changes);
    }

    [Fact]
    public void Read_NonObjectConsentWithoutErrorList_StillReadsConsentManagement()
    {
        var evt = EventWithContext("""{ "consent": true, "consentManagement": { "allowedConsentIds": ["analytics"] } }""");

        var changes = Catalog.Read(evt);

        Assert.Equal([new ConsentChange("analytics", ConsentStatus.Granted)], changes);
    }

    private static readonly ConsentCatalog Many = new(new CdpConsentOptions
    {
        Purposes = Enumerable.Range(0, 60).ToDictionary(i => $"p{i}", _ => new ConsentPurposeOptions()),
    });

    [Fact]
    public void Read_OnePurposeDecidedTwiceInOneEvent_IsRefusedAndNeitherIsRead()
    {
        var errors = new List<CdpValidationError>();
        var evt = EventWithContext("""
            { "consentManagement": { "allowedConsentIds": ["C0004"], "deniedConsentIds": ["advertising", "analytics"] } }
            """);

        var changes = Catalog.Read(evt, errors);

        Assert.Equal([("analytics", ConsentStatus.Denied)], changes.Select(c => (c.Purpose, c.Status)));
        var error = Assert.Single(errors);
        Assert.Equal(("context.consent", CdpValidationRule.Conflict), (error.Field, error.Rule));
        Assert.StartsWith("the event decides 'advertising' more than once", error.Message, StringComparison.Ordinal);
    }

    private static CdpEvent EventWithDecisions(int count)
    {
        var items = string.Join(", ", Enumerable.Range(0, count).Select(i => $$"""{ "purpose": "p{{i}}", "status": "granted" }"""));
        return EventWithContext($$"""{ "consent": { "purposes": [{{items}}] } }""");
    }

    [Fact]
    public void Read_NullPreferencesAndPurposes_AreAbsent_NullStatusIsRequired_NonObjectManagementIsRefused()
    {
        var errors = new List<CdpValidationError>();

        var none = Catalog.Read(EventWithContext("""{ "consent": { "categoryPreferences": null, "purposes": null } }"""), errors);
        Catalog.Read(EventWithContext("""{ "consent": { "purposes": [ { "purpose": "analytics", "status": null } ] } }"""), errors);
        Catalog.Read(EventWithContext("""{ "consentManagement": "yes" }"""), errors);

        Assert.Empty(none);
        Assert.Equal(
            [
                ("context.consent.purposes[0].status", CdpValidationRule.Required),
                ("context.consentManagement", CdpValidationRule.WrongType),
            ],
            errors.Select(e => (e.Field, e.Rule)));
    }

    [Fact]
    public void Read_ExpiryInAnotherDateFormat_IsRefusedAsNotIso8601()
    {
        var errors = new List<CdpValidationError>();

        const string Context =
            "{ \"consent\": { \"purposes\": [ { \"purpose\": \"analytics\", \"status\": \"granted\", \"expiresAt\": \"03/01/2026\" } ] } }";
        Catalog.Read(EventWithContext(Context), errors);

        var error = Assert.Single(errors);
        Assert.Equal(("context.consent.purposes[0].expiresAt", CdpValidationRule.InvalidDate), (error.Field, error.Rule));
    }

    private static CdpEvent EventWithContext(string context) => CdpJson.DeserializeEvent(
        Encoding.UTF8.GetBytes($$"""{ "type": "track", "event": "Consent Changed", "userId": "u-1", "context": {{context}} }"""));
}
