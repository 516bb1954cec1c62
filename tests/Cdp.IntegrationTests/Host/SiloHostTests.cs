using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;

namespace Cdp.IntegrationTests.Host;

/// <summary>The real silo host, in its own process, reached through the SDK as a service would reach it.</summary>
public sealed class SiloHostTests
{
    [Fact]
    public async Task Start_WithSeveralBadSettings_ListsEveryOneAndExitsWithoutStarting()
    {
        await using var silo = SiloProcess.Start(
            "--Cdp:Silo:GatewayPort=0",
            "--Cdp:Storage:Provider=AzureTable",
            "--Cdp:Profile:SnapshotEvery=0",
            "--Cdp:Storage:ArchiveTable=x",
            "--Cdp:Cluster:Provider=AzureTable",
            "--Cdp:Cluster:Table=y",
            "--Cdp:Cluster:AdvertisedAddress=here",
            "--Cdp:Cluster:Membership:ProbeTimeout=00:00:00",
            "--Cdp:Ingest:MaxConcurrentCalls=0");

        var exitCode = await silo.WaitForExitAsync();

        Assert.Equal(2, exitCode);
        var output = silo.Output;
        Assert.Contains("Cdp:Silo:GatewayPort is 0", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Storage:ConnectionString is required", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Profile:SnapshotEvery is 0", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Storage:ArchiveTable 'x'", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Cluster:ConnectionString (or Cdp:Storage:ConnectionString) is required", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Cluster:Table 'y'", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Cluster:AdvertisedAddress 'here' is not an IP address", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Cluster:Membership:ProbeTimeout is 00:00:00", output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Ingest:MaxConcurrentCalls is 0", output, StringComparison.Ordinal);
        Assert.DoesNotContain("Cdp silo ready", output, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sdk_AgainstTheSiloHost_SendsAnEventReadsTheProfileAndTheSiloShutsDownCleanly()
    {
        var ports = FreePorts.Take(4);
        await using var silo = SiloProcess.Start(
            $"--Cdp:Silo:SiloPort={ports[0]}",
            $"--Cdp:Silo:GatewayPort={ports[1]}",
            $"--Cdp:Silo:DashboardPort={ports[2]}",
            $"--Cdp:Http:Port={ports[3]}",
            "--Cdp:Silo:ServiceId=host-test");
        await silo.WaitUntilReadyAsync();

        var builder = Microsoft.Extensions.Hosting.Host.CreateApplicationBuilder();
        builder.Services.AddCdpClient(o =>
        {
            o.GatewayPorts = [ports[1]];
            o.ServiceId = "host-test";
            o.Source = "host-test";
        });
        using (var host = builder.Build())
        {
            await host.StartAsync();
            var cdp = host.Services.GetRequiredService<ICdpClient>();
            var userId = TestIds.New("host");

            var receipt = await cdp.TrackAsync(CustomerRef.User(userId), "Order Completed", new() { ["revenue"] = 12.5 });
            var profile = await cdp.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));

            Assert.Equal(receipt.CustomerId, profile?.CustomerId);
            Assert.Equal((1L, 12.5m), (profile!.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
            Assert.Equal("host-test", profile.Identifiers[0].Source);
            using var http = new HttpClient();
            var dashboard = await http.GetAsync(new Uri($"http://127.0.0.1:{ports[2]}/dashboard/"));
            Assert.Equal(System.Net.HttpStatusCode.OK, dashboard.StatusCode);
            await host.StopAsync();
        }

        Assert.Equal(0, await silo.StopAsync());
        var output = silo.Output;
        Assert.True(!output.Contains("fail:", StringComparison.Ordinal), $"The silo logged a failure:{Environment.NewLine}{output}");
    }
}
