using System.Net;
using System.Text;
using System.Text.Json;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>Explain, the identity journal, unmerge and the identity rules over HTTP.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpIdentityTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task MergedPair_IsExplainedJournaledAndUnmergedOverHttp()
    {
        var ada = TestIds.New("ada");
        var crm = TestIds.New("crm");
        await Send($$"""{"type": "track", "userId": "{{ada}}", "event": "Signed In"}""");
        await Send($$"""{"type": "track", "identifiers": [{"type": "crm_id", "value": "{{crm}}"}], "event": "Ticket Opened"}""");
        var identifiers = $$"""[{"type": "crm_id", "value": "{{crm}}"}]""";
        await Send(
            $$"""{"type": "track", "userId": "{{ada}}", "messageId": "{{ada}}-link","""
                + $$""" "event": "Support Chat", "identifiers": {{identifiers}}}""");

        using var explain = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/crm_id:{crm}/explain"));
        var steps = explain.RootElement.GetProperty("steps").EnumerateArray().ToList();
        Assert.Equal(["FirstSeen", "Merged"], steps.Select(s => s.GetProperty("action").GetString()));
        Assert.Equal($"{ada}-link", steps[1].GetProperty("messageId").GetString());

        var reader = await fixture.Keys.CreateAsync("analyst", ApiScopes.ReadProfiles);
        using var masked = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/crm_id:{crm}/journal", reader.Key));
        var entry = Assert.Single(masked.RootElement.GetProperty("journal").EnumerateArray().ToList());
        Assert.Equal(("Merged", "merge"), (entry.GetProperty("action").GetString(), entry.GetProperty("rule").GetString()));
        Assert.Equal(JsonValueKind.Null, entry.GetProperty("linkedIdentifiers")[0].GetProperty("value").ValueKind);
        Assert.False(entry.TryGetProperty("detail", out _));
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync($"/v1/profiles/crm_id:{crm}/explain", reader.Key)).StatusCode);

        var entryId = entry.GetProperty("entryId").GetString();
        using var unmerged = await ReadJsonAsync(
            await Api.PostAsync($"/v1/profiles/crm_id:{crm}/unmerge", $$"""{"entryId": "{{entryId}}"}"""));
        Assert.Equal("Unmerged", unmerged.RootElement.GetProperty("action").GetString());
        using var again = await Api.PostAsync($"/v1/profiles/user_id:{ada}/unmerge", $$"""{"entryId": "{{entryId}}"}""");
        Assert.Equal(HttpStatusCode.Conflict, again.StatusCode);
        using var unknown = await Api.PostAsync($"/v1/profiles/user_id:{ada}/unmerge", """{"entryId": "j-nothing"}""");
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);

        using var ada1 = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{ada}"));
        using var crm1 = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/crm_id:{crm}"));
        Assert.Equal(
            (2, 1),
            (ada1.RootElement.GetProperty("eventCount").GetInt32(), crm1.RootElement.GetProperty("eventCount").GetInt32()));
    }

    [Fact]
    public async Task Rules_ReadAndReplacedOverHttp_BadOnesNamingTheField()
    {
        using var current = await ReadJsonAsync(await Api.GetAsync("/v1/identity/rules"));
        var version = current.RootElement.GetProperty("version").GetInt32();
        Assert.Equal(1, current.RootElement.GetProperty("types").GetProperty("user_id").GetProperty("limit").GetInt32());

        using var bad = await Put("/v1/identity/rules", """{"types": {"user_id": {"priority": 0, "limit": 0}}}""");
        using var badJson = await ReadJsonAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal("types.user_id.limit", badJson.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
        using var unknownField = await Put("/v1/identity/rules", """{"maxIdentifier": 3}""");
        Assert.Equal(HttpStatusCode.BadRequest, unknownField.StatusCode);

        var same = current.RootElement.GetRawText();
        using var stored = await ReadJsonAsync(await Put("/v1/identity/rules", same));
        Assert.Equal(version + 1, stored.RootElement.GetProperty("version").GetInt32());
        var reader = await fixture.Keys.CreateAsync("reader", ApiScopes.ReadProfiles);
        Assert.Equal(HttpStatusCode.Forbidden, (await Api.GetAsync("/v1/identity/rules", reader.Key)).StatusCode);
    }

    private async Task Send(string json)
    {
        using var response = await Api.PostAsync("/v1/batch", $$"""{"batch": [{{json}}]}""");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    private Task<HttpResponseMessage> Put(string path, string json)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey);
        return Api.Http.SendAsync(request);
    }
}
