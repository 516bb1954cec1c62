using System.Net;
using System.Text;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>Segments over HTTP: the catalog, members page by page, and the live feed as Server-Sent Events.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpSegmentTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task Segment_CreatedFromText_FeedsAnEntryAsServerSentEvents_AndListsTheMember()
    {
        var id = TestIds.New("signed-up");
        var user = TestIds.New("u");
        const string Text = "\"text\": \"count(\\\"Signed Up\\\") >= 1\"";
        var body = $$"""{"id": "{{id}}", "name": "Signed up", "purpose": "analytics", {{Text}}}""";
        using var created = await ReadJsonAsync(await Api.PostAsync("/v1/segments", body), HttpStatusCode.Created);
        Assert.Equal(1, created.RootElement.GetProperty("version").GetInt32());
        const string BadText = "\"text\": \"count(\\\"X\\\") >> 3\"";
        using var bad = await Api.PostAsync("/v1/segments", $$"""{"id": "{{id}}-bad", "purpose": "analytics", {{BadText}}}""");
        using var badJson = await ReadJsonAsync(bad, HttpStatusCode.BadRequest);
        var message = badJson.RootElement.GetProperty("errors")[0].GetProperty("message").GetString();
        Assert.Contains("column", message, StringComparison.Ordinal);

        using var feedRequest = new HttpRequestMessage(HttpMethod.Get, $"/v1/segments/{id}/feed");
        feedRequest.Headers.Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey);
        using var feed = await Api.Http.SendAsync(feedRequest, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(("text/event-stream", HttpStatusCode.OK), (feed.Content.Headers.ContentType?.MediaType, feed.StatusCode));
        using var reader = new StreamReader(await feed.Content.ReadAsStreamAsync(), Encoding.UTF8);
        Assert.Equal(": subscribed", await reader.ReadLineAsync());

        const string Consent = """{"consent": {"categoryPreferences": {"analytics": true}}}""";
        using var sent = await Api.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Signed Up", "context": {{Consent}}}""");
        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);

        var lines = new List<string>();
        using var deadline = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        while (lines.Count < 2 || lines[^1].Length > 0)
        {
            var line = await reader.ReadLineAsync(deadline.Token);
            if (line is not null && (line.Length > 0 || lines.Count > 0))
            {
                lines.Add(line);
            }
        }

        Assert.Equal("event: entered", lines[0]);
        Assert.StartsWith("data: {", lines[1], StringComparison.Ordinal);
        Assert.Contains($"\"definitionId\":\"{id}\"", lines[1], StringComparison.Ordinal);

        using var members = await ReadJsonAsync(await Api.GetAsync($"/v1/segments/{id}/members"));
        var customer = Assert.Single(members.RootElement.GetProperty("customerIds").EnumerateArray()).GetString();
        Assert.Contains($"\"customerId\":\"{customer}\"", lines[1], StringComparison.Ordinal);
        using var listed = await ReadJsonAsync(await Api.GetAsync("/v1/segments?kind=segment"));
        Assert.Contains(listed.RootElement.GetProperty("definitions").EnumerateArray(), d => d.GetProperty("id").GetString() == id);
        var reader2 = await fixture.Keys.CreateAsync("reader", ApiScopes.ReadProfiles);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync("/v1/segments", reader2.Key)).StatusCode);
    }
}
