using Cdp.Grains.Hosting;

namespace Cdp.UnitTests;

public sealed class PrivacyOptionsValidationTests
{
    [Fact]
    public void Validate_ListsEveryBadPrivacySettingAtOnce()
    {
        var options = new CdpSiloOptions();
        options.Storage.Provider = CdpStorageProvider.AzureTable;
        options.Storage.ConnectionString = "UseDevelopmentStorage=true";
        options.Privacy.AfterErasure = (AfterErasure)7;
        options.Privacy.RetentionDays = -1;
        options.Privacy.RetentionInterval = TimeSpan.FromSeconds(5);
        options.Privacy.AuditEntriesKept = 5000;

        Assert.Equal(
            [
                "Cdp:Privacy:SuppressionSalt is required when Cdp:Storage:Provider is AzureTable.",
                "Cdp:Privacy:AfterErasure must be Suppress or AllowFreshStart.",
                "Cdp:Privacy:RetentionDays is -1; it must be between 0 (off) and 36500.",
                "Cdp:Privacy:RetentionInterval is 00:00:05; it must be between 1 minute and 7 days.",
                "Cdp:Privacy:AuditEntriesKept is 5000; it must be between 1 and 4000.",
            ],
            CdpSettingsValidation.Validate(options));
    }

    [Fact]
    public void Validate_MemoryStorageWithoutASalt_IsAccepted_AndAShortSaltIsNot()
    {
        var options = new CdpSiloOptions();
        Assert.Empty(CdpSettingsValidation.Validate(options));

        options.Privacy.SuppressionSalt = "short";
        Assert.Equal(["Cdp:Privacy:SuppressionSalt must be at least 16 characters."], CdpSettingsValidation.Validate(options));
    }
}
