using System.Globalization;
using Cdp.Client;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cdp.Cli;

/// <summary>
/// Works out the client settings, each later source overriding the earlier: the defaults, a JSON config file
/// (<c>--config</c> or <c>CDP_CONFIG</c>, shaped like appsettings: <c>{"Cdp":{"Client":{...}}}</c>), the standard
/// .NET environment variables (<c>Cdp__Client__GatewayPorts__0</c>, …), the tool's own variables
/// (<c>CDP_GATEWAY</c>, <c>CDP_CLUSTER_ID</c>, <c>CDP_SERVICE_ID</c>, <c>CDP_SOURCE</c>), then the command-line options.
/// </summary>
internal static class ConnectionSettings
{
    /// <summary>The options every command that talks to the cluster accepts.</summary>
    public static readonly string[] Options = ["gateway", "cluster-id", "service-id", "config", "connect-timeout"];

    public static CdpClientOptions Resolve(Arguments args, CliConsole console)
    {
        var env = console.Environment;
        var configuration = new ConfigurationBuilder();
        var configFile = args.Get("config") ?? env.GetValueOrDefault("CDP_CONFIG");
        if (!string.IsNullOrEmpty(configFile))
        {
            var path = console.FullPath(configFile);
            if (!File.Exists(path))
            {
                throw new UsageException($"the config file {configFile} does not exist.");
            }

            configuration.AddJsonFile(path, optional: false, reloadOnChange: false);
        }

        // The standard form of .NET environment settings, with "__" for ":".
        configuration.AddInMemoryCollection(env
            .Where(e => e.Key.StartsWith("Cdp__", StringComparison.OrdinalIgnoreCase))
            .Select(e => KeyValuePair.Create(e.Key.Replace("__", ":", StringComparison.Ordinal), e.Value)));

        var options = new CdpClientOptions();
        try
        {
            var section = configuration.Build().GetSection(CdpClientOptions.SectionName);
            section.Bind(options);
            if (section.GetSection("GatewayPorts").GetChildren().Any())
            {
                // Binding merges arrays by index; the configured list replaces the default instead.
                options.GatewayPorts = section.GetSection("GatewayPorts").Get<int[]>() ?? [];
            }
        }
        catch (Exception ex) when (ex is InvalidDataException or FormatException or InvalidOperationException)
        {
            throw new UsageException($"the client settings cannot be read: {ex.Message}");
        }

        Override(env.GetValueOrDefault("CDP_GATEWAY"), "CDP_GATEWAY", options);
        options.ClusterId = NonEmpty(env.GetValueOrDefault("CDP_CLUSTER_ID")) ?? options.ClusterId;
        options.ServiceId = NonEmpty(env.GetValueOrDefault("CDP_SERVICE_ID")) ?? options.ServiceId;
        options.Source = NonEmpty(env.GetValueOrDefault("CDP_SOURCE")) ?? options.Source;

        Override(args.Get("gateway"), "--gateway", options);
        options.ClusterId = args.Get("cluster-id") ?? options.ClusterId;
        options.ServiceId = args.Get("service-id") ?? options.ServiceId;
        return options;
    }

    public static TimeSpan ConnectTimeout(Arguments args) =>
        TimeSpan.FromSeconds(args.GetInt("connect-timeout", 15, 1, 3600));

    private static void Override(string? ports, string from, CdpClientOptions options)
    {
        if (string.IsNullOrWhiteSpace(ports))
        {
            return;
        }

        var list = new List<int>();
        foreach (var part in ports.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            list.Add(int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var port) && port is > 0 and <= 65535
                ? port
                : throw new UsageException($"{from} must list gateway ports (1-65535, comma-separated), not '{ports}'."));
        }

        options.GatewayPorts = [.. list];
    }

    private static string? NonEmpty(string? value) => string.IsNullOrWhiteSpace(value) ? null : value;
}

/// <summary>A connected client and whatever must be stopped when the command ends.</summary>
internal sealed class ClusterConnection(ICdpClient client, Func<ValueTask>? close = null, ICdpApiKeys? keys = null) : IAsyncDisposable
{
    public ICdpClient Client { get; } = client;

    /// <summary>API key administration, when the connection offers it.</summary>
    public ICdpApiKeys Keys => keys ?? throw new UsageException("this connection cannot manage API keys.");

    public ValueTask DisposeAsync() => close?.Invoke() ?? ValueTask.CompletedTask;
}

/// <summary>Makes the connection a command talks through; tests give the client of an in-process cluster.</summary>
internal interface IClusterConnector
{
    /// <exception cref="ClusterUnavailableException">No gateway answered in time.</exception>
    Task<ClusterConnection> ConnectAsync(CdpClientOptions options, TimeSpan timeout, CancellationToken cancellationToken);
}

/// <summary>Connects through <c>AddCdpClient</c> in a small host of its own, with logging off.</summary>
internal sealed class OrleansConnector : IClusterConnector
{
    public async Task<ClusterConnection> ConnectAsync(CdpClientOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        var builder = Host.CreateEmptyApplicationBuilder(new HostApplicationBuilderSettings());
        try
        {
            builder.Services.AddCdpClient(o =>
            {
                o.GatewayPorts = options.GatewayPorts;
                o.ClusterId = options.ClusterId;
                o.ServiceId = options.ServiceId;
                o.Source = options.Source;
                o.Cluster = options.Cluster;
                o.Streams = options.Streams;
            });
        }
        catch (ArgumentException ex)
        {
            throw new UsageException(ex.Message);
        }

        var host = builder.Build();
        var where = $"gateway port {string.Join(",", options.GatewayPorts)} " +
            $"(cluster '{options.ClusterId}', service '{options.ServiceId}')";
        try
        {
            using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            deadline.CancelAfter(timeout);
            await host.StartAsync(deadline.Token).WaitAsync(deadline.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            host.Dispose();
            throw new ClusterUnavailableException(
                $"the cluster did not answer at {where} within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s.");
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            host.Dispose();
            throw new ClusterUnavailableException($"cannot reach the cluster at {where}: {FirstLine(ex.Message)}", ex);
        }

        var keys = host.Services.GetRequiredService<ICdpApiKeys>();
        return new ClusterConnection(host.Services.GetRequiredService<ICdpClient>(), keys: keys, close: async () =>
        {
            using var stopping = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            try
            {
                await host.StopAsync(stopping.Token).ConfigureAwait(false);
            }
            finally
            {
                host.Dispose();
            }
        });
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
