using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Silo;

/// <summary>Checks every Cdp setting before anything starts, so that one run lists every mistake.</summary>
internal static class SettingsCheck
{
    public static List<string> Failures(IConfiguration configuration, CdpHostOptions host)
    {
        var failures = host.Validate().ToList();
        var options = new CdpSiloOptions();
        try
        {
            configuration.GetSection(CdpStorageOptions.SectionName).Bind(options.Storage);
            configuration.GetSection(CdpProfileOptions.SectionName).Bind(options.Profile);
        }
        catch (InvalidOperationException ex)
        {
            // A value that does not convert (a word where a number belongs) fails the bind itself.
            failures.Add(ex.Message);
            return failures;
        }

        failures.AddRange(CdpSettingsValidation.Validate(options));
        return failures;
    }
}

internal static partial class SiloBanner
{
    public static void Print(IServiceProvider services, CdpHostOptions host)
    {
        var storage = services.GetRequiredService<IOptions<CdpStorageOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Cdp.Silo");
        var dashboard = host.DashboardPort == 0 ? "off" : $"http://localhost:{host.DashboardPort}/dashboard";
        LogListening(logger, host.GatewayPort, host.SiloPort, dashboard, storage.Provider);
    }

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Cdp silo ready. SDK gateway: localhost:{GatewayPort}; silo port: {SiloPort}; "
            + "dashboard: {Dashboard}; storage: {Storage}")]
    private static partial void LogListening(ILogger logger, int gatewayPort, int siloPort, string dashboard, CdpStorageProvider storage);
}
