using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class CdpSettingsValidationTests
{
    [Fact]
    public void Validate_DefaultOptions_ReturnsNoFailures()
    {
        Assert.Empty(CdpSettingsValidation.Validate(new CdpSiloOptions()));
    }

    [Fact]
    public void Validate_SeveralBadSettings_ListsEachByItsKey()
    {
        var options = new CdpSiloOptions();
        options.Storage.Provider = CdpStorageProvider.AzureTable;
        options.Storage.StateTable = "x";
        options.Profile.RecentEventWindow = -1;
        options.Profile.SnapshotEvery = 0;

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Cdp:Storage:ConnectionString ", f),
            f => Assert.StartsWith("Cdp:Storage:StateTable 'x' ", f),
            f => Assert.StartsWith("Cdp:Profile:RecentEventWindow is -1;", f),
            f => Assert.StartsWith("Cdp:Profile:SnapshotEvery is 0;", f),
            f => Assert.StartsWith("Cdp:Privacy:SuppressionSalt is required", f));
    }

    [Theory]
    [InlineData(0.0, "Cdp:Streams:PollInterval is 00:00:00; it must be between 1 millisecond and 10 seconds.")]
    [InlineData(10_001.0, "Cdp:Streams:PollInterval is 00:00:10.0010000; it must be between 1 millisecond and 10 seconds.")]
    [InlineData(1.0, null)]
    public void Validate_StreamPollInterval_MustBeBetweenAMillisecondAndTenSeconds(double milliseconds, string? failure)
    {
        var options = new CdpSiloOptions();
        options.Streams.PollInterval = TimeSpan.FromMilliseconds(milliseconds);

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(failure is null ? [] : [failure], failures);
    }

    [Theory]
    [InlineData(CdpStreamProvider.Memory, 10)]
    [InlineData(CdpStreamProvider.AzureQueue, 100)]
    public void StreamPollInterval_DefaultsToTheProvidersOwn(CdpStreamProvider provider, int milliseconds)
    {
        Assert.Equal(TimeSpan.FromMilliseconds(milliseconds), new CdpStreamOptions { Provider = provider }.EffectivePollInterval);
    }

    [Fact]
    public void Validate_AzureTableWithConnectionString_ReturnsNoFailures()
    {
        var options = new CdpSiloOptions();
        options.Storage.Provider = CdpStorageProvider.AzureTable;
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.Privacy.SuppressionSalt = "a-salt-of-sixteen-characters";

        Assert.Empty(CdpSettingsValidation.Validate(options));
    }

    [Theory]
    [InlineData("ab")]
    [InlineData("1Events")]
    [InlineData("Cdp_Events")]
    [InlineData("")]
    public void Validate_BadArchiveTableName_NamesArchiveTable(string table)
    {
        var options = new CdpSiloOptions();
        options.Storage.ArchiveTable = table;

        var failure = Assert.Single(CdpSettingsValidation.Validate(options));

        Assert.StartsWith($"Cdp:Storage:ArchiveTable '{table}' ", failure);
    }

    [Fact]
    public void Validate_UndefinedSectionsAndProvider_NameTheirKeys()
    {
        var options = new CdpSiloOptions();
        options.Storage.Provider = (CdpStorageProvider)7;
        options.Profile.Sections.Events["Webinar Attended"] = (ProfileSection)9;
        options.Profile.Sections.DefaultTrait = 0;
        options.Identity.MaxRefusals = 10_001;
        options.Identity.RouteCacheEntries = -1;
        options.Identity.IdleAfter = TimeSpan.Zero;
        options.Identity.Rules.Types[IdentifierTypes.UserId].Limit = 0;

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Cdp:Storage:Provider ", f),
            f => Assert.StartsWith("Cdp:Profile:Sections:Events:Webinar Attended ", f),
            f => Assert.StartsWith("Cdp:Profile:Sections:DefaultTrait ", f),
            f => Assert.Equal("Cdp:Identity:Rules:types:user_id:limit is 0; it must be between 1 and 10000.", f),
            f => Assert.StartsWith("Cdp:Identity:MaxRefusals is 10001;", f),
            f => Assert.Equal("Cdp:Identity:RouteCacheEntries is -1; it must be between 0 and 100000000.", f),
            f => Assert.Equal("Cdp:Identity:IdleAfter is 00:00:00; it must be more than 0 and at most 1 day.", f));
    }

    [Theory]
    [InlineData("email marketing")]
    [InlineData("email.marketing")]
    [InlineData("")]
    [InlineData("périmètre")]
    public void Validate_BadConsentPurposeName_NamesThePurpose(string purpose)
    {
        var options = new CdpSiloOptions();
        options.Consent.Purposes[purpose] = new ConsentPurposeOptions();

        var failure = Assert.Single(CdpSettingsValidation.Validate(options));

        Assert.Equal($"Cdp:Consent:Purposes:{purpose} must be 1 to 64 letters, digits, '_' or '-'.", failure);
    }

    [Fact]
    public void Validate_ConsentPurposeNameLength_AllowsUpTo64()
    {
        var options = new CdpSiloOptions();
        options.Consent.Purposes[new string('p', 64)] = new ConsentPurposeOptions();
        options.Consent.Purposes[new string('q', 65)] = new ConsentPurposeOptions { Channels = ["web", "in-app", "Push_2"] };

        var failure = Assert.Single(CdpSettingsValidation.Validate(options));

        Assert.Equal($"Cdp:Consent:Purposes:{new string('q', 65)} must be 1 to 64 letters, digits, '_' or '-'.", failure);
    }

    [Fact]
    public void Validate_BadConsentChannels_NamesEachWithItsPurpose()
    {
        var options = new CdpSiloOptions();
        options.Consent.Purposes["advertising"].Channels.AddRange(["e mail", "", new string('c', 65)]);
        options.Consent.Purposes["push_marketing"] = new ConsentPurposeOptions { Channels = ["push.web"] };

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(
            [
                "Cdp:Consent:Purposes:advertising:Channels 'e mail' must be 1 to 64 letters, digits, '_' or '-'.",
                "Cdp:Consent:Purposes:advertising:Channels '' must be 1 to 64 letters, digits, '_' or '-'.",
                $"Cdp:Consent:Purposes:advertising:Channels '{new string('c', 65)}' must be 1 to 64 letters, digits, '_' or '-'.",
                "Cdp:Consent:Purposes:push_marketing:Channels 'push.web' must be 1 to 64 letters, digits, '_' or '-'.",
            ],
            failures);
    }

    [Fact]
    public void Validate_ConsentAliasToUnknownPurpose_NamesTheAlias()
    {
        var options = new CdpSiloOptions();
        options.Consent.Aliases["C0004"] = "Advertising";
        options.Consent.Aliases["C0002"] = "Email Marketing";
        options.Consent.Aliases["C0009"] = "cookies";
        options.Consent.Aliases["C0010"] = null!;
        options.Consent.Aliases[" "] = "analytics";

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(
            [
                "Cdp:Consent:Aliases:C0009 names 'cookies', which is not one of the purposes.",
                "Cdp:Consent:Aliases:C0010 names '', which is not one of the purposes.",
                "Cdp:Consent:Aliases:  names 'analytics', which is not one of the purposes.",
            ],
            failures);
    }

    [Fact]
    public void Validate_NoConsentPurposes_SaysOneIsNeededAndRefusesEveryAlias()
    {
        var options = new CdpSiloOptions();
        options.Consent.Purposes.Clear();
        options.Consent.Aliases["C0004"] = "advertising";

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(
            [
                "Cdp:Consent:Purposes must name at least one purpose.",
                "Cdp:Consent:Aliases:C0004 names 'advertising', which is not one of the purposes.",
            ],
            failures);
    }

    [Theory]
    [InlineData(0)]
    [InlineData(-5)]
    [InlineData(100_001)]
    public void Validate_ConsentMaxHistoryOutOfRange_NamesMaxHistory(int maxHistory)
    {
        var options = new CdpSiloOptions();
        options.Consent.MaxHistory = maxHistory;

        var failure = Assert.Single(CdpSettingsValidation.Validate(options));

        Assert.Equal($"Cdp:Consent:MaxHistory is {maxHistory}; it must be between 1 and 100000.", failure);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(100_000)]
    public void Validate_ConsentMaxHistoryAtItsBounds_ReturnsNoFailures(int maxHistory)
    {
        var options = new CdpSiloOptions();
        options.Consent.MaxHistory = maxHistory;

        Assert.Empty(CdpSettingsValidation.Validate(options));
    }

    [Fact]
    public void Validate_BadConsentAndOtherSettings_ListsConsentLast()
    {
        var options = new CdpSiloOptions();
        options.Profile.SnapshotEvery = 0;
        options.Consent.MaxHistory = 0;
        options.Consent.Purposes["bad name"] = new ConsentPurposeOptions();

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Cdp:Profile:SnapshotEvery is 0;", f),
            f => Assert.Equal("Cdp:Consent:Purposes:bad name must be 1 to 64 letters, digits, '_' or '-'.", f),
            f => Assert.Equal("Cdp:Consent:MaxHistory is 0; it must be between 1 and 100000.", f));
    }

    [Fact]
    public void Validate_BadIngestSettings_ListsBoth()
    {
        var options = new CdpSiloOptions();
        options.Ingest.MaxConcurrentCalls = 0;
        options.Ingest.RetryAfter = TimeSpan.Zero;

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(
            [
                "Cdp:Ingest:MaxConcurrentCalls is 0; it must be between 1 and 1000000.",
                "Cdp:Ingest:RetryAfter is 00:00:00; it must be more than 0 and at most 1 hour.",
            ],
            failures);
    }

    [Fact]
    public void Validate_AliasNamingAPurposeOrTwoSpellingsOfOnePurpose_AreRefused()
    {
        var options = new CdpSiloOptions();
        options.Consent.Aliases["analytics"] = "advertising";
        options.Consent.Purposes["email-marketing"] = new ConsentPurposeOptions();

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Equal(
            [
                "Cdp:Consent:Purposes:email-marketing is another spelling of a purpose already listed.",
                "Cdp:Consent:Aliases:analytics is the name of a purpose; an alias cannot rename a purpose.",
            ],
            failures);
    }
}
