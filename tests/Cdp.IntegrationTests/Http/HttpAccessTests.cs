using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>Keys, scopes, masking and the profile reads.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpAccessTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task MissingWrongOrMalformedKey_Is401WithAChallenge_AndNothingIsApplied()
    {
        var user = TestIds.New("u");
        var body = $$"""{"userId": "{{user}}", "event": "Sneaky"}""";
        using var none = await Api.PostAsync("/v1/track", body, key: null);
        using var wrong = await Api.PostAsync("/v1/track", body, key: "cdp_0123456789abcdef_not-a-real-secret");
        using var notAKey = await Api.PostAsync("/v1/track", body, key: "whatever");
        using var garbled = await Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Headers = { Authorization = new AuthenticationHeaderValue("Basic", "%%%not base64") },
            Content = new StringContent(body, Encoding.UTF8, "application/json"),
        });
        using var read = await Api.GetAsync($"/v1/profiles/user_id:{user}", key: "wrong");

        foreach (var response in new[] { none, wrong, notAKey, garbled, read })
        {
            Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
            Assert.Equal("Basic", response.Headers.WwwAuthenticate.First().Scheme);
            using var json = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
            Assert.Equal("unauthorized", json.RootElement.GetProperty("error").GetProperty("code").GetString());
        }

        Assert.Equal(HttpStatusCode.NotFound, (await Api.GetAsync($"/v1/profiles/user_id:{user}")).StatusCode);
    }

    [Fact]
    public async Task KeyCreatedThroughTheSdk_WorksOverHttpWithinItsScopes_AndIsListedWithoutItsSecret()
    {
        var user = TestIds.New("u");
        var created = await fixture.Keys.CreateAsync("web tracker", ApiScopes.Ingest);

        using var sent = await Api.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Tracked"}""", created.Key);
        using var read = await Api.GetAsync($"/v1/profiles/user_id:{user}", created.Key);
        using var keys = await Api.GetAsync("/v1/keys", created.Key);
        using var list = await ReadJsonAsync(await Api.GetAsync("/v1/keys"));

        Assert.Equal(HttpStatusCode.OK, sent.StatusCode);
        using var readJson = await ReadJsonAsync(read, HttpStatusCode.Forbidden);
        Assert.Contains(
            "'profiles:read'",
            readJson.RootElement.GetProperty("error").GetProperty("message").GetString(),
            StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.Forbidden, keys.StatusCode);
        var listed = list.RootElement.GetProperty("keys").EnumerateArray().Single(k => k.GetProperty("id").GetString() == created.Info.Id);
        Assert.Equal(
            """{"id":"ID","name":"web tracker","scopes":["ingest"],"createdAt":"AT","revokedAt":null}""",
            listed.GetRawText().Replace(created.Info.Id, "ID", StringComparison.Ordinal)
                .Replace(listed.GetProperty("createdAt").GetString()!, "AT", StringComparison.Ordinal));
        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        Assert.Equal("web tracker", profile.RootElement.GetProperty("recentEvents")[0].GetProperty("source").GetString());
    }

    [Fact]
    public async Task KeyRevokedOverHttp_StopsWorkingAtOnceOnThatHost()
    {
        using var createdJson = await ReadJsonAsync(
            await Api.PostAsync("/v1/keys", """{"name": "short-lived", "scopes": ["ingest", "profiles:read"]}"""), HttpStatusCode.Created);
        var key = createdJson.RootElement.GetProperty("key").GetString()!;
        var id = createdJson.RootElement.GetProperty("id").GetString()!;
        var body = """{"userId": "revoked-key-user", "event": "x"}""";

        using var before = await Api.PostAsync("/v1/track", body, key);
        using var revoke = await Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, $"/v1/keys/{id}")
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
        });
        using var after = await Api.PostAsync("/v1/track", body, key);
        using var again = await Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Delete, "/v1/keys/0000000000000000")
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
        });

        Assert.Equal(
            (HttpStatusCode.OK, HttpStatusCode.OK, HttpStatusCode.Unauthorized, HttpStatusCode.NotFound),
            (before.StatusCode, revoke.StatusCode, after.StatusCode, again.StatusCode));
        var listed = (await fixture.Keys.ListAsync()).Single(k => k.Id == id);
        Assert.NotNull(listed.RevokedAt);
        Assert.Equal(ApiScopes.Ingest | ApiScopes.ReadProfiles, listed.Scopes);
    }

    [Fact]
    public async Task KeyRevokedThroughTheSdk_StopsWorkingOnAHostWithoutACache()
    {
        var host = await fixture.StartHostAsync(o => o.KeyCacheSeconds = 0);
        var created = await fixture.Keys.CreateAsync("revoked by sdk", ApiScopes.Ingest);
        var body = """{"userId": "sdk-revoked-user", "event": "x"}""";

        using var before = await host.PostAsync("/v1/track", body, created.Key);
        Assert.True(await fixture.Keys.RevokeAsync(created.Info.Id));
        using var after = await host.PostAsync("/v1/track", body, created.Key);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.Unauthorized), (before.StatusCode, after.StatusCode));
    }

    [Theory]
    [InlineData("""{"name": "x", "scopes": ["ingest", "superuser"]}""", "scopes[1]", "InvalidFormat")]
    [InlineData("""{"name": "x", "scopes": []}""", "scopes", "Required")]
    [InlineData("""{"scopes": ["ingest"]}""", "name", "Required")]
    [InlineData("""{"name": "x", "scope": ["ingest"]}""", "scope", "InvalidFormat")]
    [InlineData("""{"name": "x", "scopes": "ingest"}""", "scopes", "WrongType")]
    public async Task CreateKey_WithABadRequest_Is400NamingTheField(string body, string field, string rule)
    {
        using var json = await ReadJsonAsync(await Api.PostAsync("/v1/keys", body), HttpStatusCode.BadRequest);

        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal((field, rule), (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
    }

    [Fact]
    public async Task Profile_WithoutThePersonalDataScope_MasksIdentifierValuesAndPersonalTraits()
    {
        var user = TestIds.New("u");
        using var sent = await Api.PostAsync("/v1/identify",
            $$"""{"userId": "{{user}}", "traits": {"email": "{{user}}@example.com", "first_name": "Ada", "plan": "pro"} }""");
        var reader = await fixture.Keys.CreateAsync("analyst", ApiScopes.ReadProfiles);

        using var masked = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/email:{user}@example.com", reader.Key));
        using var full = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        using var events = await Api.GetAsync($"/v1/profiles/user_id:{user}/events", reader.Key);

        var root = masked.RootElement;
        Assert.True(root.GetProperty("redacted").GetBoolean());
        Assert.Equal(
            ["email:null:True", "first_name:null:True", "plan:\"pro\":False"],
            root.GetProperty("traits").EnumerateObject().Select(t =>
                $"{t.Name}:{t.Value.GetProperty("value").GetRawText()}:{t.Value.TryGetProperty("redacted", out _)}"));
        Assert.All(root.GetProperty("identifiers").EnumerateArray(), i =>
            Assert.Equal((JsonValueKind.Null, true), (i.GetProperty("value").ValueKind, i.GetProperty("redacted").GetBoolean())));
        Assert.Equal("Ada", full.RootElement.GetProperty("traits").GetProperty("first_name").GetProperty("value").GetString());
        Assert.False(full.RootElement.GetProperty("redacted").GetBoolean());
        Assert.Equal(HttpStatusCode.Forbidden, events.StatusCode);
    }

    [Fact]
    public async Task Events_ComePageByPageWithANextCursor()
    {
        var user = TestIds.New("u");
        var calls = Enumerable.Range(1, 5).Select(i =>
            $$"""{"type": "track", "userId": "{{user}}", "event": "E{{i}}", "messageId": "{{user}}-{{i}}","""
                + $$""" "timestamp": "2024-01-0{{i}}T00:00:00Z"}""");
        using var sent = await Api.PostAsync("/v1/batch", $$"""{"batch": [{{string.Join(",", calls)}}]}""");

        var names = new List<string>();
        var pages = 0;
        long? after = 0;
        while (after is { } cursor)
        {
            using var page = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}/events?after={cursor}&limit=2"));
            names.AddRange(page.RootElement.GetProperty("events").EnumerateArray()
                .Select(e => e.GetProperty("event").GetProperty("event").GetString()!));
            var next = page.RootElement.GetProperty("next");
            after = next.ValueKind == JsonValueKind.Null ? null : next.GetInt64();
            pages++;
        }

        Assert.Equal(["E1", "E2", "E3", "E4", "E5"], names);
        Assert.Equal(3, pages);
    }

    [Theory]
    [InlineData("/v1/profiles/nocolon", "id")]
    [InlineData("/v1/profiles/has%20space:v", "id")]
    [InlineData("/v1/profiles/user_id:u/events?limit=0", "limit")]
    [InlineData("/v1/profiles/user_id:u/events?after=-1", "after")]
    [InlineData("/v1/profiles/user_id:u/events?limit=5000", "limit")]
    public async Task ProfileRead_WithABadIdentifierOrQuery_Is400NamingIt(string path, string field)
    {
        using var json = await ReadJsonAsync(await Api.GetAsync(path), HttpStatusCode.BadRequest);

        Assert.Equal(field, json.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());
    }

    [Fact]
    public async Task UnknownCustomer_Is404ForProfileAndEvents()
    {
        var user = TestIds.New("nobody");

        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"), HttpStatusCode.NotFound);
        using var events = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}/events"), HttpStatusCode.NotFound);

        Assert.Equal("not_found", profile.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("not_found", events.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task OpenApiDocument_DescribesEveryEndpoint()
    {
        using var document = await ReadJsonAsync(await Api.GetAsync("/openapi/v1.json", key: null));

        Assert.Equal(
            ["/v1/alias", "/v1/batch", "/v1/group", "/v1/identify", "/v1/identity/rules", "/v1/keys", "/v1/keys/{id}",
                "/v1/page", "/v1/privacy/audit", "/v1/privacy/erasures", "/v1/privacy/export/{id}", "/v1/privacy/requests/{id}",
                "/v1/profiles/{id}", "/v1/profiles/{id}/consent", "/v1/profiles/{id}/events", "/v1/profiles/{id}/explain",
                "/v1/profiles/{id}/journal", "/v1/profiles/{id}/unmerge", "/v1/screen", "/v1/segments", "/v1/segments/{id}",
                "/v1/segments/{id}/feed", "/v1/segments/{id}/members", "/v1/track"],
            document.RootElement.GetProperty("paths").EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal));
        var track = document.RootElement.GetProperty("paths").GetProperty("/v1/track").GetProperty("post");
        Assert.True(track.GetProperty("requestBody").GetProperty("content").TryGetProperty("application/json", out _));
        Assert.Equal(
            ["200", "400", "401", "413", "429"],
            track.GetProperty("responses").EnumerateObject().Select(r => r.Name).Order(StringComparer.Ordinal));
    }
}
