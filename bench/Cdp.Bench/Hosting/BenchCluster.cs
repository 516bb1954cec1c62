using System.Net;
using System.Net.Sockets;
using System.Runtime.CompilerServices;
using Cdp.Client;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.Bench.Hosting;

/// <summary>
/// One silo with Cdp's grains and the bench's no-op grain, on localhost clustering and free loopback ports,
/// plus a real external client connected through the silo's gateway, both in this process. The client has Cdp's
/// stream provider, as <c>AddCdpClient</c> gives it, so that it can subscribe to segment messages.
/// </summary>
public sealed class BenchCluster : IAsyncDisposable
{
    private readonly IHost _silo;
    private readonly IHost _client;
    private readonly StrongBox<bool> _stopping;

    private BenchCluster(IHost silo, IHost client, StrongBox<bool> stopping)
    {
        _silo = silo;
        _client = client;
        _stopping = stopping;
    }

    /// <summary>The silo's own grain factory: calls made from inside the silo process (the hosted client).</summary>
    public IGrainFactory Hosted => _silo.Services.GetRequiredService<IGrainFactory>();

    /// <summary>An <see cref="IClusterClient"/> that reaches the silo over its gateway (TCP on loopback).</summary>
    public IClusterClient External => _client.Services.GetRequiredService<IClusterClient>();

    public IServiceProvider SiloServices => _silo.Services;

    public static async Task<BenchCluster> StartAsync(
        Action<CdpSiloOptions>? configure = null, Action<IServiceCollection>? services = null)
    {
        var ports = FreePorts(2);
        var serviceId = "cdp-bench-" + Guid.NewGuid().ToString("N")[..8];
        const string clusterId = "cdp-bench";

        var stopping = new StrongBox<bool>();
        var silo = new HostBuilder()
            .ConfigureLogging(l => Quiet(l, stopping))
            .UseOrleans(s =>
            {
                s.UseLocalhostClustering(ports[0], ports[1], serviceId: serviceId, clusterId: clusterId);
                s.AddCdp(configure: configure);
                services?.Invoke(s.Services);
            })
            .Build();
        await silo.StartAsync();

        var client = new HostBuilder()
            .ConfigureLogging(l => Quiet(l, stopping))
            .UseOrleansClient(c => c.UseLocalhostClustering(ports[1], serviceId, clusterId).AddCdpStreams())
            .Build();
        try
        {
            await client.StartAsync();
        }
        catch
        {
            await silo.StopAsync();
            silo.Dispose();
            throw;
        }

        return new BenchCluster(silo, client, stopping);
    }

    // Stopped without grace: a graceful stop deactivates every grain, which on durable storage writes a snapshot
    // per customer and takes longer than the measurement. Nothing measured depends on what the stop leaves behind,
    // so the grains' complaints about it (snapshots that can no longer be written) are not shown.
    public async ValueTask DisposeAsync()
    {
        _stopping.Value = true;
        using var now = new CancellationTokenSource();
        await now.CancelAsync();
        await _client.StopAsync(now.Token);
        _client.Dispose();
        await _silo.StopAsync(now.Token);
        _silo.Dispose();
    }

    // Warnings and errors only, and nothing once the cluster is being stopped without grace: its services then
    // complain of cancelled stops by design. The watchdog's starvation warning is left out: on two shared cores under
    // a load generator it fires by design, and the measurements themselves show the starvation.
    private static void Quiet(ILoggingBuilder logging, StrongBox<bool> stopping) => logging
        .SetMinimumLevel(LogLevel.Warning)
        .AddFilter("Orleans.Runtime.Watchdog", LogLevel.Error)
        .AddFilter((_, level) => level >= LogLevel.Warning && !stopping.Value)
        .AddSimpleConsole();

    private static int[] FreePorts(int count)
    {
        var listeners = Enumerable.Range(0, count).Select(_ => new TcpListener(IPAddress.Loopback, 0)).ToArray();
        try
        {
            foreach (var listener in listeners)
            {
                listener.Start();
            }

            return [.. listeners.Select(l => ((IPEndPoint)l.LocalEndpoint).Port)];
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener.Stop();
            }
        }
    }
}
