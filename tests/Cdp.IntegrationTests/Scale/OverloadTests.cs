using System.Net;
using Cdp.Client;
using Cdp.Grains.Admission;
using Cdp.Http;
using Cdp.IntegrationTests.Http;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// The per-silo admission limit on ingest calls (<c>Cdp:Ingest:MaxConcurrentCalls</c>). Calls are held in
/// flight at a gate in the event archive, so the limit is reached without timing.
/// </summary>
public sealed class OverloadTests : IAsyncLifetime
{
    private const int Limit = 3;

    private CdpTestCluster _cluster = null!;

    private FaultyArchive Archive => FaultyArchive.Of(_cluster.Cluster.Silos[0]);

    private IngestAdmission Admission => _cluster.Cluster.Silos[0].ServiceProvider.GetRequiredService<IngestAdmission>();

    public async Task InitializeAsync() => _cluster = await CdpTestCluster.StartAsync(
        o =>
        {
            o.Ingest.MaxConcurrentCalls = Limit;
            o.Ingest.RetryAfter = TimeSpan.FromMilliseconds(1500);
        },
        configureSilo: FaultyArchive.Install);

    public async Task DisposeAsync()
    {
        Archive.Release();
        await _cluster.DisposeAsync();
    }

    [Fact]
    public async Task Ingest_BeyondTheLimit_FailsAtOnceWithRetryAfterWhileNothingMoreIsQueued()
    {
        var client = _cluster.Client;
        var users = Enumerable.Range(0, 23).Select(i => TestIds.New($"load{i}")).ToList();

        Archive.Hold();
        var admitted = users.Take(Limit).Select(u => client.SendAsync(Order(u))).ToList();
        await Archive.WaitUntilHeldAsync(Limit);
        var refusals = new List<CdpOverloadedException>();
        foreach (var user in users.Skip(Limit))
        {
            refusals.Add(await Assert.ThrowsAsync<CdpOverloadedException>(() => client.SendAsync(Order(user))));
        }

        var whileFull = (Admission.InFlight, Archive.Held);
        Archive.Release();
        var receipts = await Task.WhenAll(admitted);
        foreach (var user in users.Skip(Limit))
        {
            await client.SendAsync(Order(user));
        }

        Assert.Equal((Limit, Limit), whileFull);
        Assert.Equal(20, refusals.Count);
        Assert.All(refusals, r => Assert.Equal((TimeSpan.FromMilliseconds(1500), Limit), (r.RetryAfter, r.Limit)));
        Assert.All(receipts, r => Assert.False(r.Duplicate));
        Assert.Equal((Limit, Limit, 20L, 0), (Admission.PeakInFlight, Archive.PeakHeld, Admission.Refused, Admission.InFlight));
        foreach (var user in users)
        {
            var profile = await client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user));
            Assert.Equal(1L, profile?.EventCount);
        }
    }

    [Fact]
    public async Task HttpTrack_WhenTheSiloRefusesTheCall_Answers429WithTheSilosRetryAfter()
    {
        await using var api = await HttpApiHost.StartAsync(_cluster.Grains, new CdpHttpOptions { BootstrapKey = HttpApiFixture.AdminKey });
        var users = Enumerable.Range(0, Limit).Select(i => TestIds.New($"http{i}")).ToList();

        Archive.Hold();
        var admitted = users.Select(u => _cluster.Client.SendAsync(Order(u))).ToList();
        await Archive.WaitUntilHeldAsync(Limit);
        var user = TestIds.New("http");
        using var refused = await api.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Order Completed"}""");
        var body = await refused.Content.ReadAsStringAsync();
        Archive.Release();
        await Task.WhenAll(admitted);
        using var accepted = await api.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Order Completed"}""");

        Assert.Equal(HttpStatusCode.TooManyRequests, refused.StatusCode);
        Assert.Equal("2", refused.Headers.GetValues("Retry-After").Single());
        Assert.Contains("\"code\":\"overloaded\"", body, StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.OK, accepted.StatusCode);
        var profile = await _cluster.Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user));
        Assert.Equal(1L, profile?.EventCount);
    }

    private static CdpEvent Order(string user) => new()
    {
        Type = EventType.Track,
        UserId = user,
        Event = "Order Completed",
        MessageId = user + "-order",
        Properties = new() { ["revenue"] = 1 },
    };
}
