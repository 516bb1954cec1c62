using Cdp.Client;
using Cdp.Grains.Hosting;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>An in-process Orleans cluster running Cdp's grains, with an SDK client over its cluster client.</summary>
public sealed class CdpTestCluster : IAsyncDisposable
{
    private CdpTestCluster(InProcessTestCluster cluster)
    {
        Cluster = cluster;
        Client = new CdpClient(cluster.Client, new CdpClientOptions { Source = "tests" });
    }

    public InProcessTestCluster Cluster { get; }

    public IClusterClient Grains => Cluster.Client;

    public ICdpClient Client { get; }

    /// <summary>
    /// Starts a cluster. Clusters given the same <paramref name="serviceId"/> and storage see the same
    /// persisted state, which is how tests restart "the same" deployment. <paramref name="configureSilo"/> runs
    /// after <c>AddCdp</c>, so it can replace what Cdp registered (the event archive, for fault injection).
    /// </summary>
    public static async Task<CdpTestCluster> StartAsync(
        Action<CdpSiloOptions>? configure = null, string? serviceId = null, short silos = 1, Action<ISiloBuilder>? configureSilo = null)
    {
        var builder = new InProcessTestClusterBuilder(silos);
        builder.Options.ServiceId = serviceId ?? "cdp-test-" + Guid.NewGuid().ToString("N")[..8];
        builder.ConfigureSilo((_, silo) =>
        {
            silo.AddCdp(configure: configure);
            configureSilo?.Invoke(silo);
        });
        builder.ConfigureClient(client => client.AddCdpClientStreams());
        var cluster = builder.Build();
        try
        {
            await cluster.DeployAsync();
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return new CdpTestCluster(cluster);
    }

    /// <summary>Stops every silo gracefully: grains deactivate and write their snapshots.</summary>
    public async Task StopAsync() => await Cluster.StopAllSilosAsync();

    /// <summary>Kills every silo: no deactivation runs, as after a crash.</summary>
    public async Task KillAsync()
    {
        foreach (var silo in Cluster.Silos.ToList())
        {
            await Cluster.KillSiloAsync(silo);
        }
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await Cluster.StopAllSilosAsync();
        }
        finally
        {
            await Cluster.DisposeAsync();
        }
    }
}

/// <summary>One memory-storage cluster shared by a test collection.</summary>
public sealed class MemoryClusterFixture : IAsyncLifetime
{
    private CdpTestCluster? _cluster;

    public CdpTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public ICdpClient Client => Cluster.Client;

    public IClusterClient Grains => Cluster.Grains;

    public async Task InitializeAsync() => _cluster = await CdpTestCluster.StartAsync();

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class MemoryClusterCollection : ICollectionFixture<MemoryClusterFixture>
{
    public const string Name = "Memory cluster";
}

/// <summary>Unique ids per test, so tests sharing a cluster never see each other's customers.</summary>
public static class TestIds
{
    public static string New(string prefix) => $"{prefix}-{Guid.NewGuid():N}";
}
