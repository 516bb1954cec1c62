using Cdp.Grains.Hosting;
using Cdp.Http;

namespace Cdp.UnitTests;

public sealed class SettingsCopyTests
{
    [Fact]
    public void Into_CarriesEverySetting_IncludingOnesNoCopyNamesByHand()
    {
        var from = new CdpHttpOptions
        {
            Port = 9000, ListenAddress = "0.0.0.0", BootstrapKey = "a-development-key-1234", MaxConcurrentIngestRequests = 7,
            RetryAfterSeconds = 3, KeyCacheSeconds = 4, EventsPerSecondPerKey = 50, EventBurstPerKey = 60,
            AllowedOrigins = ["https://shop.example"],
        };
        var to = new CdpHttpOptions();

        SettingsCopy.Into(from, to);

        Assert.Equal(
            (9000, "0.0.0.0", "a-development-key-1234", 7, 3, 4, 50, 60, 60),
            (to.Port, to.ListenAddress, to.BootstrapKey, to.MaxConcurrentIngestRequests, to.RetryAfterSeconds, to.KeyCacheSeconds,
                to.EventsPerSecondPerKey, to.EventBurstPerKey, to.EffectiveEventBurst));
        Assert.Equal(["https://shop.example"], to.AllowedOrigins);
    }

    [Fact]
    public void Into_SiloSettings_ArriveWhole()
    {
        var from = new CdpIdentityOptions
        {
            RulesRefresh = TimeSpan.FromSeconds(9), MaxRefusals = 11, RouteCacheEntries = 12, IdleAfter = TimeSpan.FromMinutes(13),
        };
        var to = new CdpIdentityOptions();

        SettingsCopy.Into(from, to);

        Assert.Equal(
            (from.Rules, TimeSpan.FromSeconds(9), 11, 12, TimeSpan.FromMinutes(13)),
            (to.Rules, to.RulesRefresh, to.MaxRefusals, to.RouteCacheEntries, to.IdleAfter));
    }
}
