using System.Net.Http.Headers;
using System.Text;
using Cdp.Client;
using Cdp.Http;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;

namespace Cdp.IntegrationTests.Http;

/// <summary>
/// The HTTP API on a real Kestrel (loopback, a free port), in front of an in-process memory cluster: the same
/// <c>AddCdpHttp</c>/<c>MapCdpHttp</c> the silo host uses, over the test cluster's grain factory.
/// </summary>
public sealed class HttpApiFixture : IAsyncLifetime
{
    /// <summary>The bootstrap key of the shared host: every scope.</summary>
    public const string AdminKey = "test-bootstrap-key-with-every-scope";

    private readonly List<HttpApiHost> _hosts = [];
    private CdpTestCluster? _cluster;

    public CdpTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    /// <summary>The shared host, with the default settings and <see cref="AdminKey"/>.</summary>
    public HttpApiHost Api { get; private set; } = null!;

    public ICdpApiKeys Keys => new CdpApiKeys(Cluster.Grains);

    public async Task InitializeAsync()
    {
        _cluster = await CdpTestCluster.StartAsync();
        Api = await StartHostAsync(_ => { });
    }

    /// <summary>
    /// Another host on the same cluster, with its own settings and, if given, its own clock (stopped with the fixture).
    /// </summary>
    public async Task<HttpApiHost> StartHostAsync(Action<CdpHttpOptions> configure, TimeProvider? time = null)
    {
        var options = new CdpHttpOptions { BootstrapKey = AdminKey };
        configure(options);
        var host = await HttpApiHost.StartAsync(Cluster.Grains, options, time);
        _hosts.Add(host);
        return host;
    }

    public async Task DisposeAsync()
    {
        foreach (var host in _hosts)
        {
            await host.DisposeAsync();
        }

        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class HttpApiCollection : ICollectionFixture<HttpApiFixture>
{
    public const string Name = "HTTP API";
}

/// <summary>One Kestrel serving the Cdp HTTP API.</summary>
public sealed class HttpApiHost : IAsyncDisposable
{
    private readonly WebApplication _app;

    private HttpApiHost(WebApplication app, Uri baseAddress)
    {
        _app = app;
        BaseAddress = baseAddress;
        Http = new HttpClient { BaseAddress = baseAddress };
    }

    public Uri BaseAddress { get; }

    /// <summary>A client with no credentials; tests add them per request.</summary>
    public HttpClient Http { get; }

    internal IngestLimiter Limiter => _app.Services.GetRequiredService<IngestLimiter>();

    public static async Task<HttpApiHost> StartAsync(IGrainFactory grains, CdpHttpOptions options, TimeProvider? time = null)
    {
        var builder = WebApplication.CreateSlimBuilder();
        builder.Logging.ClearProviders();
        builder.WebHost.UseUrls("http://127.0.0.1:0");
        builder.Services.AddSingleton(grains);
        if (time is not null)
        {
            builder.Services.AddSingleton(time);
        }

        builder.Services.AddCdpHttp(options);
        var app = builder.Build();
        app.UseCdpHttp();
        app.MapCdpHttp();
        await app.StartAsync();
        return new HttpApiHost(app, new Uri(app.Urls.First()));
    }

    public static AuthenticationHeaderValue Basic(string key) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes(key + ":")));

    /// <summary>POSTs JSON text with the key as the Basic user name, as tracking SDKs do.</summary>
    public Task<HttpResponseMessage> PostAsync(string path, string json, string? key = HttpApiFixture.AdminKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, path)
        {
            Content = new StringContent(json, Encoding.UTF8, "application/json"),
        };
        if (key is not null)
        {
            request.Headers.Authorization = Basic(key);
        }

        return Http.SendAsync(request);
    }

    public Task<HttpResponseMessage> GetAsync(string path, string? key = HttpApiFixture.AdminKey)
    {
        var request = new HttpRequestMessage(HttpMethod.Get, path);
        if (key is not null)
        {
            request.Headers.Authorization = Basic(key);
        }

        return Http.SendAsync(request);
    }

    public async ValueTask DisposeAsync()
    {
        Http.Dispose();
        await _app.StopAsync();
        await _app.DisposeAsync();
    }
}
