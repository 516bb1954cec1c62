using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Silo;

/// <summary>Checks every Cdp setting before anything starts, so that one run lists every mistake.</summary>
internal static class SettingsCheck
{
    public static List<string> Failures(IConfiguration configuration, out CdpHostOptions host)
    {
        var failures = new List<string>();
        var options = new CdpSiloOptions();
        host = new CdpHostOptions();
        Bind(configuration, CdpHostOptions.SectionName, host, failures);
        Bind(configuration, CdpStorageOptions.SectionName, options.Storage, failures);
        Bind(configuration, CdpProfileOptions.SectionName, options.Profile, failures);
        failures.AddRange(host.Validate());
        failures.AddRange(CdpSettingsValidation.Validate(options));
        return failures;
    }

    // A value that does not convert (a word where a number belongs) fails the bind of its section; the
    // other sections are still bound and checked, so one run reports every mistake.
    private static void Bind(IConfiguration configuration, string section, object options, List<string> failures)
    {
        try
        {
            configuration.GetSection(section).Bind(options);
        }
        catch (InvalidOperationException ex)
        {
            failures.Add($"{section}: {ex.Message}");
        }
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
