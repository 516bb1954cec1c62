using Cdp.Grains.Hosting;
using Cdp.Silo;
using Orleans.Configuration;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
if (SettingsCheck.Failures(builder.Configuration, out var host) is { Count: > 0 } failures)
{
    await Console.Error.WriteLineAsync("Cdp cannot start; fix these settings:");
    foreach (var failure in failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}

builder.WebHost.UseUrls(host.DashboardPort == 0 ? [] : [$"http://127.0.0.1:{host.DashboardPort}"]);
builder.UseOrleans(silo =>
{
    silo.UseLocalhostClustering(host.SiloPort, host.GatewayPort, serviceId: host.ServiceId, clusterId: host.ClusterId);
    silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(30));
    silo.AddCdp(builder.Configuration);
    if (host.DashboardPort != 0)
    {
        silo.AddDashboard();
    }
});

var app = builder.Build();
if (host.DashboardPort != 0)
{
    app.MapOrleansDashboard(routePrefix: "/dashboard");
}

app.Lifetime.ApplicationStarted.Register(() => SiloBanner.Print(app.Services, host));
await app.RunAsync();
return 0;
