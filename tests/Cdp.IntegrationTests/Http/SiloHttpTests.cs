using System.Net;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>The real silo host serves the HTTP API on its own port, with a development key printed at start.</summary>
public sealed class SiloHttpTests
{
    private const string DevelopmentKey = "silo-test-development-key";

    [Fact]
    public async Task SiloHost_ServesTheApiOnItsPort_WithTheDevelopmentKeyItPrints()
    {
        var ports = FreePorts.Take(4);
        await using var silo = SiloProcess.Start(
            $"--Cdp:Silo:SiloPort={ports[0]}",
            $"--Cdp:Silo:GatewayPort={ports[1]}",
            $"--Cdp:Silo:DashboardPort={ports[2]}",
            $"--Cdp:Http:Port={ports[3]}",
            $"--Cdp:Http:BootstrapKey={DevelopmentKey}",
            "--Cdp:Silo:ServiceId=http-host-test");
        await silo.WaitUntilReadyAsync();
        var user = TestIds.New("u");
        var api = new ApiClient(new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{ports[3]}") });

        using var sent = await api.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "From curl"}""", DevelopmentKey);
        using var profile = await ReadJsonAsync(await api.GetAsync($"/v1/profiles/user_id:{user}", DevelopmentKey));
        using var other = new HttpClient();
        using var onDashboardPort = await other.GetAsync(new Uri($"http://127.0.0.1:{ports[2]}/v1/keys"));

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        Assert.Equal(1, profile.RootElement.GetProperty("events").GetProperty("From curl").GetProperty("count").GetInt32());
        Assert.Equal(HttpStatusCode.NotFound, onDashboardPort.StatusCode);
        Assert.Contains($"HTTP API: http://localhost:{ports[3]}/v1", silo.Output, StringComparison.Ordinal);
        Assert.Contains($"Development API key (every scope): {DevelopmentKey}", silo.Output, StringComparison.Ordinal);
        Assert.Equal(0, await silo.StopAsync());
    }

    [Fact]
    public async Task SiloHost_WithADevelopmentKeyOutsideDevelopment_RefusesToStart()
    {
        await using var silo = SiloProcess.Start(
            "--environment=Production",
            $"--Cdp:Http:BootstrapKey={DevelopmentKey}",
            "--Cdp:Http:MaxConcurrentIngestRequests=0",
            "--Cdp:Http:AllowedOrigins:0=shop.example");

        Assert.Equal(2, await silo.WaitForExitAsync());
        Assert.Contains("Cdp:Http:BootstrapKey is set, but it is accepted only in the Development environment", silo.Output,
            StringComparison.Ordinal);
        Assert.Contains("Cdp:Http:MaxConcurrentIngestRequests is 0", silo.Output, StringComparison.Ordinal);
        Assert.Contains("Cdp:Http:AllowedOrigins has 'shop.example'", silo.Output, StringComparison.Ordinal);
    }

    /// <summary>Requests with a key as the Basic user name, against a host this test did not start.</summary>
    private sealed class ApiClient(HttpClient http)
    {
        public Task<HttpResponseMessage> PostAsync(string path, string json, string key) =>
            http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
            {
                Headers = { Authorization = HttpApiHost.Basic(key) },
                Content = new StringContent(json, System.Text.Encoding.UTF8, "application/json"),
            });

        public Task<HttpResponseMessage> GetAsync(string path, string key) =>
            http.SendAsync(new HttpRequestMessage(HttpMethod.Get, path) { Headers = { Authorization = HttpApiHost.Basic(key) } });
    }
}
