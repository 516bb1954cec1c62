using Cdp.Grains.Admission;
using Cdp.Grains.Hosting;
using Cdp.Http;
using Microsoft.Extensions.Options;
using Orleans.Configuration;

namespace Cdp.Silo;

/// <summary>Checks every Cdp setting before anything starts, so that one run lists every mistake.</summary>
internal static class SettingsCheck
{
    public static List<string> Failures(
        IConfiguration configuration,
        IHostEnvironment environment,
        out CdpHostOptions host,
        out CdpHttpOptions http,
        out CdpClusterOptions cluster)
    {
        var failures = new List<string>();
        var options = new CdpSiloOptions();
        host = new CdpHostOptions();
        http = new CdpHttpOptions();
        cluster = new CdpClusterOptions();
        var membership = new ClusterMembershipOptions();
        Bind(configuration, CdpHostOptions.SectionName, host, failures);
        Bind(configuration, CdpHttpOptions.SectionName, http, failures);
        Bind(configuration, CdpStorageOptions.SectionName, options.Storage, failures);
        Bind(configuration, CdpProfileOptions.SectionName, options.Profile, failures);
        Bind(configuration, CdpIngestOptions.SectionName, options.Ingest, failures);
        Bind(configuration, CdpClusterOptions.SectionName, cluster, failures);
        Bind(configuration, CdpClusterOptions.MembershipSectionName, membership, failures);
        Bind(configuration, CdpPrivacyOptions.SectionName, options.Privacy, failures);
        Bind(configuration, CdpStreamOptions.SectionName, options.Streams, failures);
        failures.AddRange(host.Validate());
        failures.AddRange(http.Validate(environment.IsDevelopment()));
        if (http.Port != 0 && (http.Port == host.SiloPort || http.Port == host.GatewayPort || http.Port == host.DashboardPort))
        {
            failures.Add($"{CdpHttpOptions.SectionName}:Port {http.Port} is taken by another Cdp:Silo port; choose another.");
        }

        failures.AddRange(CdpSettingsValidation.Validate(options));
        failures.AddRange(cluster.Validate(options.Storage.ConnectionString, options.Storage.Provider == CdpStorageProvider.AzureTable));
        failures.AddRange(CdpClusterOptions.ValidateMembership(membership));
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
    public static void Print(IServiceProvider services, CdpHostOptions host, CdpHttpOptions http, CdpClusterOptions cluster)
    {
        var storage = services.GetRequiredService<IOptions<CdpStorageOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Cdp.Silo");
        var dashboard = host.DashboardPort == 0 ? "off" : $"http://localhost:{host.DashboardPort}/dashboard";
        var api = http.Port == 0 ? "off" : $"http://{HttpHost(http.ListenAddress)}:{http.Port}/v1";
        LogListening(logger, host.GatewayPort, host.SiloPort, dashboard, api, storage.Provider);
        var silo = services.GetRequiredService<ILocalSiloDetails>().SiloAddress;
        var table = cluster.Provider == CdpClusterProvider.AzureTable ? cluster.Table : "-";
        LogCluster(logger, cluster.Provider, host.ClusterId, silo, table);
        if (http.Port != 0 && http.BootstrapKey is { } key)
        {
            // Only ever in Development (the settings check refuses it elsewhere), so that a newcomer can send at once.
            LogDevelopmentKey(logger, key, api);
        }
    }

    /// <summary>
    /// Logged when the host begins to stop: Orleans then leaves the cluster, lets running calls finish and
    /// deactivates every grain, and customer grains write their snapshots.
    /// </summary>
    public static void Stopping(IServiceProvider services)
    {
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Cdp.Silo");
        var inFlight = services.GetRequiredService<IngestAdmission>().InFlight;
        LogStopping(logger, inFlight);
    }

    internal static string HttpHost(string address) => address is "0.0.0.0" or "::" or "127.0.0.1" ? "localhost" : address;

    [LoggerMessage(EventId = 1001, Level = LogLevel.Information,
        Message = "Cdp silo ready. SDK gateway: localhost:{GatewayPort}; silo port: {SiloPort}; "
            + "dashboard: {Dashboard}; HTTP API: {Api}; storage: {Storage}")]
    private static partial void LogListening(
        ILogger logger, int gatewayPort, int siloPort, string dashboard, string api, CdpStorageProvider storage);

    [LoggerMessage(EventId = 4010, Level = LogLevel.Information,
        Message = "Cluster: {Provider} clustering, cluster id {ClusterId}, this silo {SiloAddress}, membership table {Table}")]
    private static partial void LogCluster(
        ILogger logger, CdpClusterProvider provider, string clusterId, SiloAddress siloAddress, string table);

    [LoggerMessage(EventId = 4011, Level = LogLevel.Information,
        Message = "Cdp silo stopping with {InFlight} ingest call(s) in flight: they finish, then grains deactivate "
            + "and write their snapshots; calls that arrive now go to other silos")]
    private static partial void LogStopping(ILogger logger, int inFlight);

    [LoggerMessage(EventId = 1002, Level = LogLevel.Information,
        Message = "Development API key (every scope): {Key}. Try: curl -u {Key}: {Api}/track "
            + "-H 'Content-Type: application/json' -d '{{\"userId\":\"u-1\",\"event\":\"Hello\"}}'")]
    private static partial void LogDevelopmentKey(ILogger logger, string key, string api);
}
