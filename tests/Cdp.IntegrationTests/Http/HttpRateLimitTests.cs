using System.Net;
using System.Text.Json;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.Time.Testing;

namespace Cdp.IntegrationTests.Http;

/// <summary>
/// The per-key event rate of the tracking endpoints, on a host with 10 events per second and a clock the test moves:
/// a key's bucket empties, refuses with 429 and Retry-After without storing anything, and refills with time.
/// </summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpRateLimitTests(HttpApiFixture fixture)
{
    [Fact]
    public async Task KeyOverItsRate_Gets429WithRetryAfter_NothingIsStored_AndTheBucketRefillsWithTime()
    {
        var clock = new FakeTimeProvider(DateTimeOffset.UtcNow);
        var host = await fixture.StartHostAsync(o => o.EventsPerSecondPerKey = 10, clock);
        var tracker = (await fixture.Keys.CreateAsync("rate-limited tracker", ApiScopes.Ingest)).Key;
        var other = (await fixture.Keys.CreateAsync("other tracker", ApiScopes.Ingest)).Key;
        var user = TestIds.New("rated");

        var batch = await host.PostAsync("/v1/batch", Batch(user, 10), tracker);
        var refused = await host.PostAsync("/v1/track", Track(user, "One Too Many"), tracker);
        var otherKey = await host.PostAsync("/v1/track", Track(user, "Other Key"), other);
        clock.Advance(TimeSpan.FromMilliseconds(100));
        var refilled = await host.PostAsync("/v1/track", Track(user, "After A Tenth"), tracker);
        var empty = await host.PostAsync("/v1/track", Track(user, "Empty Again"), tracker);

        Assert.Equal(
            [HttpStatusCode.OK, HttpStatusCode.TooManyRequests, HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.TooManyRequests],
            new[] { batch, refused, otherKey, refilled, empty }.Select(r => r.StatusCode));
        Assert.Equal("1", refused.Headers.GetValues("Retry-After").Single());
        using var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync());
        Assert.Equal("rate_limited", error.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal(
            "Key 'rate-limited tracker' may send 10 events per second (10 at once) to this silo; retry after the time in Retry-After.",
            error.RootElement.GetProperty("error").GetProperty("message").GetString());

        var profile = await fixture.Cluster.Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user));
        Assert.Equal(
            ["After A Tenth", "Other Key", "Step"],
            profile!.Events.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(12L, profile.EventCount);
    }

    [Fact]
    public async Task BatchLargerThanTheBurst_IsRefusedNamingTheRule_AndNothingIsStored()
    {
        var host = await fixture.StartHostAsync(o => (o.EventsPerSecondPerKey, o.EventBurstPerKey) = (100, 5));
        var user = TestIds.New("burst");

        var response = await host.PostAsync("/v1/batch", Batch(user, 6));

        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        using var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        var error = body.RootElement.GetProperty("errors").EnumerateArray().Single();
        Assert.Equal(
            ("batch", "TooMany", "the batch holds 6 valid calls; key 'development' may send at most 5 at once."),
            (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString(), error.GetProperty("message").GetString()));
        Assert.Null(await fixture.Cluster.Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user)));
        Assert.Equal(HttpStatusCode.OK, (await host.PostAsync("/v1/batch", Batch(user, 5))).StatusCode);
    }

    private static string Track(string user, string name) =>
        JsonSerializer.Serialize(new { userId = user, @event = name });

    private static string Batch(string user, int count) => JsonSerializer.Serialize(new
    {
        batch = Enumerable.Range(0, count).Select(_ => new { type = "track", userId = user, @event = "Step" }),
    });
}
