using Cdp.Grains.Hosting;
using Cdp.Http;
using Cdp.Silo;
using Orleans.Configuration;
using Orleans.Dashboard;

var builder = WebApplication.CreateBuilder(args);
if (SettingsCheck.Failures(builder.Configuration, builder.Environment, out var host, out var http, out var cluster)
    is { Count: > 0 } failures)
{
    await Console.Error.WriteLineAsync("Cdp cannot start; fix these settings:");
    foreach (var failure in failures)
    {
        await Console.Error.WriteLineAsync("  - " + failure);
    }

    return 2;
}

// One Kestrel serves both: the dashboard on 127.0.0.1 only, the HTTP API on its own address; each endpoint
// answers on its own port only.
var urls = new List<string>();
if (host.DashboardPort != 0)
{
    urls.Add($"http://127.0.0.1:{host.DashboardPort}");
}

if (http.Port != 0)
{
    var address = http.ListenAddress.Contains(':', StringComparison.Ordinal) ? $"[{http.ListenAddress}]" : http.ListenAddress;
    urls.Add($"http://{address}:{http.Port}");
    builder.Services.AddCdpHttp(http);
}

// With the dashboard and the API both off, Kestrel would take its default port 5000, which collides between
// silos on one machine; a free loopback port that serves nothing does not.
if (urls.Count == 0)
{
    urls.Add("http://127.0.0.1:0");
}

builder.WebHost.UseUrls([.. urls]);
builder.UseOrleans(silo =>
{
    ClusterWiring.Apply(silo, host, cluster, builder.Configuration);
    silo.Configure<GrainCollectionOptions>(o => o.CollectionAge = TimeSpan.FromMinutes(30));
    silo.AddCdp(builder.Configuration);
    if (host.DashboardPort != 0)
    {
        silo.AddDashboard();
    }
});

// Orleans logs the cancelled in-flight queue read of a stopping stream agent as a failure; it is not one.
builder.Services.AddCdpStreamShutdownLogging();
var app = builder.Build();
if (http.Port != 0)
{
    app.UseCdpHttp();
}

if (host.DashboardPort != 0)
{
    app.MapOrleansDashboard(routePrefix: "/dashboard").RequireHost($"*:{host.DashboardPort}");
}

if (http.Port != 0)
{
    app.MapCdpHttp().RequireHost($"*:{http.Port}");
}

app.Lifetime.ApplicationStarted.Register(() => SiloBanner.Print(app.Services, host, http, cluster));
app.Lifetime.ApplicationStopping.Register(() => SiloBanner.Stopping(app.Services));
await app.RunAsync();
return 0;
