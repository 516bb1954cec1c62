using System.Net;
using Cdp.IntegrationTests.Http;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Privacy;

/// <summary>The privacy endpoints: export, erasure, request status and audit, behind the <c>privacy</c> scope.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpPrivacyTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task ExportEraseStatusAndAudit_OverHttp_AnswerTheRequestsAndNeedThePrivacyScope()
    {
        var user = TestIds.New("http-privacy");
        using var sent = await Api.PostAsync("/v1/identify", $$$"""{"userId": "{{{user}}}", "traits": {"name": "Grace"}}""");
        var reader = await fixture.Keys.CreateAsync("profile reader", ApiScopes.ReadProfiles | ApiScopes.ReadPersonalData);

        using var forbidden = await Api.GetAsync($"/v1/privacy/export/user_id:{user}", reader.Key);
        using var export = await ReadJsonAsync(await Api.GetAsync($"/v1/privacy/export/user_id:{user}"));
        using var erased = await ReadJsonAsync(await Api.PostAsync("/v1/privacy/erasures", $$"""{"identifier": "user_id:{{user}}"}"""));
        var requestId = erased.RootElement.GetProperty("requestId").GetString()!;
        using var status = await ReadJsonAsync(await Api.GetAsync($"/v1/privacy/requests/{requestId}"));
        using var audit = await ReadJsonAsync(await Api.GetAsync("/v1/privacy/audit"));
        using var gone = await Api.GetAsync($"/v1/privacy/export/user_id:{user}");
        using var nothing = await ReadJsonAsync(await Api.PostAsync("/v1/privacy/erasures", $$"""{"identifier": "user_id:{{user}}"}"""));
        using var unknown = await Api.GetAsync("/v1/privacy/requests/p-no-such-request");
        using var invalid = await Api.PostAsync("/v1/privacy/erasures", """{"identifier": "no-colon"}""");

        Assert.Equal(HttpStatusCode.Forbidden, forbidden.StatusCode);
        var events = export.RootElement.GetProperty("events");
        Assert.Equal(1, events.GetArrayLength());
        var traits = export.RootElement.GetProperty("profile").GetProperty("traits");
        Assert.Equal("Grace", traits.GetProperty("name").GetProperty("value").GetString());
        Assert.Equal(("Completed", 1L, 1L), (
            erased.RootElement.GetProperty("status").GetString(),
            erased.RootElement.GetProperty("eventsErased").GetInt64(),
            erased.RootElement.GetProperty("identifiersErased").GetInt64()));
        Assert.Equal(erased.RootElement.GetRawText(), status.RootElement.GetRawText());
        var entry = audit.RootElement.GetProperty("entries").EnumerateArray()
            .Single(e => e.GetProperty("requestId").GetString() == requestId);
        Assert.Equal(("Erasure", "Completed"), (entry.GetProperty("kind").GetString(), entry.GetProperty("outcome").GetString()));
        Assert.StartsWith("API key ", entry.GetProperty("requestedBy").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.NotFound, gone.StatusCode);
        Assert.Equal("NothingFound", nothing.RootElement.GetProperty("status").GetString());
        Assert.Equal(HttpStatusCode.NotFound, unknown.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, invalid.StatusCode);
    }
}
