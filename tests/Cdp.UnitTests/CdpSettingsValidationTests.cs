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
        options.Identity.Rules.Types[IdentifierTypes.UserId].Limit = 0;

        var failures = CdpSettingsValidation.Validate(options);

        Assert.Collection(
            failures,
            f => Assert.StartsWith("Cdp:Storage:Provider ", f),
            f => Assert.StartsWith("Cdp:Profile:Sections:Events:Webinar Attended ", f),
            f => Assert.StartsWith("Cdp:Profile:Sections:DefaultTrait ", f),
            f => Assert.Equal("Cdp:Identity:Rules:types:user_id:limit is 0; it must be between 1 and 10000.", f),
            f => Assert.StartsWith("Cdp:Identity:MaxRefusals is 10001;", f));
    }
}
