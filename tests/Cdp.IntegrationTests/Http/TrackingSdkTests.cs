using System.Diagnostics;
using System.Text.Json;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>The official Segment and RudderStack Node SDKs, unchanged but for their URL, send to the HTTP API.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class TrackingSdkTests(HttpApiFixture fixture)
{
    [Fact]
    public async Task SegmentAndRudderStackNodeSdks_SendEveryCallType_AndTheProfilesAreExact()
    {
        using var cancellation = new CancellationTokenSource(TimeSpan.FromMinutes(6));
        var root = AzuriteInstall.FindRepositoryRoot();
        var modules = await TrackingSdkInstall.EnsureInstalledAsync(root, cancellation.Token);
        var key = (await fixture.Keys.CreateAsync("node-sdks", ApiScopes.Ingest)).Key;
        var prefix = TestIds.New("sdk");

        var info = new ProcessStartInfo("node") { RedirectStandardOutput = true, RedirectStandardError = true };
        info.ArgumentList.Add(Path.Combine(root, "tests", "Cdp.IntegrationTests", "Http", "send-with-sdks.cjs"));
        info.ArgumentList.Add(fixture.Api.BaseAddress.ToString().TrimEnd('/'));
        info.ArgumentList.Add(key);
        info.ArgumentList.Add(prefix);
        info.Environment["NODE_PATH"] = modules;
        using var node = Process.Start(info)!;
        var output = node.StandardOutput.ReadToEndAsync(cancellation.Token);
        var errors = node.StandardError.ReadToEndAsync(cancellation.Token);
        await node.WaitForExitAsync(cancellation.Token);

        Assert.True(node.ExitCode == 0, $"The SDK script failed ({node.ExitCode}): {await output}{await errors}");
        foreach (var sdk in new[] { "segment", "rudderstack" })
        {
            var userId = $"{prefix}-{sdk}";
            using var profile = await ReadJsonAsync(await fixture.Api.GetAsync($"/v1/profiles/user_id:{userId}"));
            var p = profile.RootElement;
            Assert.Equal(5, p.GetProperty("eventCount").GetInt32());
            Assert.Equal(
                [$"anonymous_id:{userId}-anon", $"anonymous_id:{userId}-old", $"email:{userId}@example.com", $"user_id:{userId}"],
                p.GetProperty("identifiers").EnumerateArray()
                    .Select(i => $"{i.GetProperty("type").GetString()}:{i.GetProperty("value").GetString()}")
                    .Order(StringComparer.Ordinal));
            Assert.Equal(
                [$"email={userId}@example.com", "plan=pro", $"sdk={sdk}"],
                p.GetProperty("traits").EnumerateObject().Select(t => $"{t.Name}={t.Value.GetProperty("value").GetString()}"));
            Assert.Equal(
                ["Order Completed:1:42.5", "Page Viewed:1:0"],
                p.GetProperty("events").EnumerateObject()
                    .Select(e => $"{e.Name}:{e.Value.GetProperty("count").GetInt32()}:{e.Value.GetProperty("sum").GetDecimal()}"));
            Assert.Equal(
                "rockets",
                p.GetProperty("groups").GetProperty($"{sdk}-account").GetProperty("traits").GetProperty("industry").GetString());
            Assert.Equal(
                ["alias", "group", "identify", "page", "track"],
                p.GetProperty("recentEvents").EnumerateArray().Select(e => e.GetProperty("type").GetString())
                    .Order(StringComparer.Ordinal));
            Assert.All(p.GetProperty("recentEvents").EnumerateArray(), e => Assert.Equal("node-sdks", e.GetProperty("source").GetString()));
        }
    }
}
