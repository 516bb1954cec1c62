using Cdp.Http;

namespace Cdp.UnitTests;

public sealed class HttpSettingsValidationTests
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

    [Theory]
    [InlineData("https://shop.example")]
    [InlineData("http://localhost:3000")]
    [InlineData("https://Shop.Example")]
    public void AllowedOrigin_AnOrigin_IsValid(string origin) =>
        Assert.Empty(new CdpHttpOptions { AllowedOrigins = [origin] }.Validate(isDevelopment: false));

    [Theory]
    [InlineData("https://shop.example/")]
    [InlineData("https://shop.example/cart")]
    [InlineData("shop.example")]
    [InlineData("ftp://shop.example")]
    public void AllowedOrigin_NotAnOrigin_IsNamed(string origin) =>
        Assert.Equal(
            [$"Cdp:Http:AllowedOrigins has '{origin}'; each must be an origin such as https://shop.example (scheme, host "
                + "and port only), or a single '*' for any."],
            new CdpHttpOptions { AllowedOrigins = [origin] }.Validate(isDevelopment: false));

    [Fact]
    public void AllowedOrigins_AStarIsValidOnlyAlone()
    {
        Assert.Empty(new CdpHttpOptions { AllowedOrigins = ["*"] }.Validate(isDevelopment: false));
        Assert.Single(new CdpHttpOptions { AllowedOrigins = ["*", "https://shop.example"] }.Validate(isDevelopment: false));
    }
}
