using System.Net;
using System.Text;

namespace Cdp.IntegrationTests.Http;

/// <summary>
/// Browser pages sending to the tracking endpoints (CORS), on a host that allows one origin: preflights and answers
/// carry the CORS headers for that origin and for the tracking endpoints only.
/// </summary>
[Collection(HttpApiCollection.Name)]
public sealed class HttpCorsTests(HttpApiFixture fixture)
{
    private const string Shop = "https://shop.example";

    [Fact]
    public async Task Preflight_FromAnAllowedOrigin_ToATrackingEndpoint_IsAllowed_AndTheAnswerNamesTheOrigin()
    {
        var host = await fixture.StartHostAsync(o => o.AllowedOrigins = [Shop]);

        using var preflight = await host.Http.SendAsync(Preflight("/v1/track", Shop));
        using var post = new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Content = new StringContent("""{"userId": "cors-visitor", "event": "Page Seen"}""", Encoding.UTF8, "application/json"),
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
        };
        post.Headers.Add("Origin", Shop);
        using var answer = await host.Http.SendAsync(post);

        Assert.Equal(HttpStatusCode.NoContent, preflight.StatusCode);
        Assert.Equal(Shop, Header(preflight, "Access-Control-Allow-Origin"));
        Assert.Equal("POST", Header(preflight, "Access-Control-Allow-Methods"));
        Assert.Equal(
            ["authorization", "content-encoding", "content-type"],
            Header(preflight, "Access-Control-Allow-Headers")!.ToLowerInvariant().Split(',').Select(h => h.Trim()).Order());
        Assert.Equal((HttpStatusCode.OK, Shop), (answer.StatusCode, Header(answer, "Access-Control-Allow-Origin")));
        Assert.Equal("Retry-After", Header(answer, "Access-Control-Expose-Headers"));
    }

    [Fact]
    public async Task OtherOrigins_OtherEndpoints_AndHostsWithoutOrigins_GetNoCorsHeaders()
    {
        var host = await fixture.StartHostAsync(o => o.AllowedOrigins = [Shop]);

        using var stranger = await host.Http.SendAsync(Preflight("/v1/track", "https://elsewhere.example"));
        using var profile = await host.Http.SendAsync(Preflight("/v1/profiles/user_id:someone", Shop, "GET"));
        using var closed = await fixture.Api.Http.SendAsync(Preflight("/v1/batch", Shop));

        Assert.Null(Header(stranger, "Access-Control-Allow-Origin"));
        Assert.Null(Header(profile, "Access-Control-Allow-Origin"));
        Assert.Null(Header(closed, "Access-Control-Allow-Origin"));
    }

    private static HttpRequestMessage Preflight(string path, string origin, string method = "POST")
    {
        var request = new HttpRequestMessage(HttpMethod.Options, path);
        request.Headers.Add("Origin", origin);
        request.Headers.Add("Access-Control-Request-Method", method);
        request.Headers.Add("Access-Control-Request-Headers", "authorization,content-type");
        return request;
    }

    private static string? Header(HttpResponseMessage response, string name) =>
        response.Headers.TryGetValues(name, out var values) ? string.Join(",", values) : null;
}
