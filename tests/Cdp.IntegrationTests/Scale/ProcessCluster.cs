using System.Diagnostics;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// Several <c>Cdp.Silo</c> processes on one Azurite, clustered through an Azure table as in production, and
/// external SDK clients that find them through the same table. Each silo keeps its ports across restarts.
/// </summary>
public sealed class ProcessCluster : IAsyncDisposable
{
    private readonly SiloProcess?[] _silos;
    private readonly List<IHost> _clients = [];
    private readonly string _connectionString;

    private ProcessCluster(string connectionString, int silos)
    {
        _connectionString = connectionString;
        _silos = new SiloProcess?[silos];
        ClusterId = TestIds.New("scale");
        ServiceId = TestIds.New("scale-svc");
        var ports = FreePorts.Take(2 * silos);
        SiloSettings = Enumerable.Range(0, silos).Select(i => Settings(ports[2 * i], ports[(2 * i) + 1])).ToArray();
    }

    public string ClusterId { get; }

    public string ServiceId { get; }

    public IReadOnlyList<string[]> SiloSettings { get; }

    public int Count => _silos.Length;

    public IReadOnlyList<ICdpClient> Clients => _clients.Select(c => c.Services.GetRequiredService<ICdpClient>()).ToList();

    /// <summary>Times from the start of a silo process to its ready line, for the report.</summary>
    public List<TimeSpan> StartTimes { get; } = [];

    /// <summary>Starts the silos (all at once) and then <paramref name="clients"/> SDK clients.</summary>
    public static async Task<ProcessCluster> StartAsync(string connectionString, int silos, int clients)
    {
        var cluster = new ProcessCluster(connectionString, silos);
        try
        {
            await Task.WhenAll(Enumerable.Range(0, silos).Select(cluster.StartSiloAsync));
            for (var i = 0; i < clients; i++)
            {
                await cluster.StartClientAsync();
            }
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public SiloProcess Silo(int index) => _silos[index] ?? throw new InvalidOperationException($"Silo {index} is not running.");

    /// <summary>Starts silo <paramref name="index"/> with its settings and waits for its ready line.</summary>
    public async Task StartSiloAsync(int index)
    {
        if (_silos[index] is { } old)
        {
            await old.DisposeAsync();
        }

        var clock = Stopwatch.StartNew();
        var silo = SiloProcess.Start(SiloSettings[index]);
        _silos[index] = silo;
        await silo.WaitUntilReadyAsync();
        lock (StartTimes)
        {
            StartTimes.Add(clock.Elapsed);
        }
    }

    /// <summary>SIGKILL: no grain deactivates, no snapshot is written, the membership row stays Active.</summary>
    public Task KillAsync(int index) => Silo(index).KillAsync();

    /// <summary>SIGTERM: the host shuts down gracefully; returns its exit code.</summary>
    public Task<int> StopAsync(int index) => Silo(index).StopAsync();

    /// <summary>Restarts every silo that is not running (one that Orleans declared dead stops itself); returns how many.</summary>
    public async Task<int> EnsureAllRunningAsync()
    {
        var down = Enumerable.Range(0, Count).Where(i => _silos[i] is not { HasExited: false }).ToList();
        foreach (var index in down)
        {
            await StartSiloAsync(index);
        }

        return down.Count;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var client in _clients)
        {
            await client.StopAsync();
            client.Dispose();
        }

        await Task.WhenAll(_silos.OfType<SiloProcess>().Select(async silo =>
        {
            if (!silo.HasExited)
            {
                try
                {
                    await silo.StopAsync();
                }
                catch (OperationCanceledException)
                {
                    // It did not stop within the deadline; DisposeAsync kills it.
                }
            }

            await silo.DisposeAsync();
        }));
    }

    private async Task StartClientAsync()
    {
        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Logging.ClearProviders();
        builder.Services.AddCdpClient(o =>
        {
            o.ClusterId = ClusterId;
            o.ServiceId = ServiceId;
            o.Source = "scale-test";
            o.Cluster = new CdpClientClusterOptions { Provider = CdpClusterProvider.AzureTable, ConnectionString = _connectionString };
        });
        var host = builder.Build();
        await host.StartAsync();
        _clients.Add(host);
    }

    // Short membership timings, so that a killed silo that is not restarted at once is declared dead within
    // seconds rather than the production defaults' tens of seconds. A silo restarted at the same address
    // declares its predecessor dead when it joins.
    private string[] Settings(int siloPort, int gatewayPort) =>
    [
        $"--Cdp:Silo:SiloPort={siloPort}",
        $"--Cdp:Silo:GatewayPort={gatewayPort}",
        "--Cdp:Silo:DashboardPort=0",
        "--Cdp:Http:Port=0",
        $"--Cdp:Silo:ClusterId={ClusterId}",
        $"--Cdp:Silo:ServiceId={ServiceId}",
        "--Cdp:Storage:Provider=AzureTable",
        $"--Cdp:Storage:ConnectionString={_connectionString}",
        "--Cdp:Privacy:SuppressionSalt=crash-test-salt-for-suppression",
        "--Cdp:Cluster:Provider=AzureTable",
        "--Cdp:Cluster:AdvertisedAddress=127.0.0.1",
        "--Cdp:Cluster:Membership:ProbeTimeout=00:00:02",
        "--Cdp:Cluster:Membership:NumMissedProbesLimit=2",
        "--Cdp:Cluster:Membership:TableRefreshTimeout=00:00:02",
        "--Cdp:Cluster:Membership:IAmAliveTablePublishTimeout=00:00:05",
        "--Cdp:Cluster:Membership:DeathVoteExpirationTimeout=00:00:10",
    ];
}
