using System.Net;
using System.Text;
using Cdp.IntegrationTests.Infrastructure;
using static Cdp.IntegrationTests.Http.HttpIngestTests;

namespace Cdp.IntegrationTests.Http;

/// <summary>The consent ledger over HTTP: recorded, read, checked for a purpose, and bad input refused.</summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpConsentTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task Consent_RecordedReadAndChecked_BadPurposeRefusedNamingTheField()
    {
        var user = TestIds.New("consent");
        using var set = await Put($"/v1/profiles/user_id:{user}/consent",
            """{"purposes": [{"purpose": "email_marketing", "status": "granted", "policyVersion": "v2"}, """
            + """{"purpose": "advertising", "status": "denied"}]}""",
            idempotencyKey: user + "-consent");
        using var again = await Put($"/v1/profiles/user_id:{user}/consent",
            """{"purposes": [{"purpose": "email_marketing", "status": "granted", "policyVersion": "v2"}]}""",
            idempotencyKey: user + "-consent");
        using var bad = await Put(
            $"/v1/profiles/user_id:{user}/consent", """{"purposes": [{"purpose": "telepathy", "status": "granted"}]}""");

        Assert.Equal(HttpStatusCode.OK, set.StatusCode);
        Assert.Equal(HttpStatusCode.OK, again.StatusCode);
        using var badJson = await ReadJsonAsync(bad, HttpStatusCode.BadRequest);
        Assert.Equal("context.consent.purposes[0].purpose", badJson.RootElement.GetProperty("errors")[0].GetProperty("field").GetString());

        using var ledger = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}/consent?purpose=Email%20Marketing"));
        var root = ledger.RootElement;
        Assert.True(root.GetProperty("allowed").GetBoolean());
        Assert.Equal(
            ["advertising:denied", "email_marketing:granted"],
            root.GetProperty("current").EnumerateArray()
                .Select(r => $"{r.GetProperty("purpose").GetString()}:{r.GetProperty("status").GetString()}"));
        Assert.Equal(2, root.GetProperty("history").GetArrayLength());
        Assert.Equal("v2", root.GetProperty("current")[1].GetProperty("policyVersion").GetString());

        using var denied = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}/consent?purpose=advertising&channel=web"));
        Assert.False(denied.RootElement.GetProperty("allowed").GetBoolean());
        using var unknownPurpose = await Api.GetAsync($"/v1/profiles/user_id:{user}/consent?purpose=telepathy");
        Assert.Equal(HttpStatusCode.BadRequest, unknownPurpose.StatusCode);
    }

    private Task<HttpResponseMessage> Put(string path, string json, string? idempotencyKey = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Put, path) { Content = new StringContent(json, Encoding.UTF8, "application/json") };
        request.Headers.Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey);
        if (idempotencyKey is not null)
        {
            request.Headers.Add("Idempotency-Key", idempotencyKey);
        }

        return Api.Http.SendAsync(request);
    }
}
