using Cdp.Http;

namespace Cdp.UnitTests;

public sealed class HttpRateSettingsTests
{
    [Theory]
    [InlineData(0, 0, 0)]
    [InlineData(1000, 0, 1000)]
    [InlineData(1000, 5000, 5000)]
    public void Burst_DefaultsToOneSecondsWorth(int rate, int burst, int effective)
    {
        var options = new CdpHttpOptions { EventsPerSecondPerKey = rate, EventBurstPerKey = burst };

        Assert.Empty(options.Validate(isDevelopment: false));
        Assert.Equal(effective, options.EffectiveEventBurst);
    }

    [Fact]
    public void BadRateSettings_AreEachNamedWithTheirRule()
    {
        Assert.Equal(
            ["Cdp:Http:EventsPerSecondPerKey is -1; it must be between 0 (no limit) and 10000000.",
                "Cdp:Http:EventBurstPerKey is -2; it must be between 0 and 100000000."],
            new CdpHttpOptions { EventsPerSecondPerKey = -1, EventBurstPerKey = -2 }.Validate(isDevelopment: false));
        Assert.Equal(
            ["Cdp:Http:EventBurstPerKey is set, but EventsPerSecondPerKey is 0 (no limit); set both."],
            new CdpHttpOptions { EventBurstPerKey = 10 }.Validate(isDevelopment: false));
    }
}
