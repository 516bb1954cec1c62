using System.IO.Compression;
using System.Net;
using System.Text;
using System.Text.Json;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Http;

[Collection(HttpApiCollection.Name)]
public sealed class HttpIngestTests(HttpApiFixture fixture)
{
    private HttpApiHost Api => fixture.Api;

    [Fact]
    public async Task EveryCallEndpoint_AppliesItsCall_AndAnswersSuccess()
    {
        var user = TestIds.New("u");
        var anonymous = TestIds.New("a");
        string[] calls =
        [
            $$$"""["identify", {"userId": "{{{user}}}", "anonymousId": "{{{anonymous}}}","""
                + $$$""" "traits": {"email": "Ada-{{{user}}}@Example.com", "plan": "pro"}}]""",
            $$$"""["track", {"userId": "{{{user}}}", "event": "Order Completed", "properties": {"revenue": 12.5}}]""",
            $$"""["page", {"anonymousId": "{{anonymous}}", "name": "Home"}]""",
            $$"""["screen", {"userId": "{{user}}", "name": "Cart"}]""",
            $$$"""["group", {"userId": "{{{user}}}", "groupId": "acme", "traits": {"industry": "rockets"}}]""",
            $$"""["alias", {"userId": "{{user}}", "previousId": "{{anonymous}}"}]""",
        ];

        foreach (var call in calls)
        {
            using var pair = JsonDocument.Parse(call);
            var path = "/v1/" + pair.RootElement[0].GetString();
            using var response = await Api.PostAsync(path, pair.RootElement[1].GetRawText());

            Assert.Equal((HttpStatusCode.OK, """{"success":true}"""), (response.StatusCode, await response.Content.ReadAsStringAsync()));
        }

        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        var root = profile.RootElement;
        Assert.Equal(6, root.GetProperty("eventCount").GetInt32());
        Assert.Equal("pro", root.GetProperty("traits").GetProperty("plan").GetProperty("value").GetString());
        Assert.Equal("development", root.GetProperty("traits").GetProperty("plan").GetProperty("source").GetString());
        Assert.Equal(
            ["Order Completed:1:12.5", "Page Viewed:1:0", "Screen Viewed:1:0"],
            root.GetProperty("events").EnumerateObject()
                .Select(e => $"{e.Name}:{e.Value.GetProperty("count").GetInt32()}:{e.Value.GetProperty("sum").GetDecimal()}"));
        Assert.Equal("rockets", root.GetProperty("groups").GetProperty("acme").GetProperty("traits").GetProperty("industry").GetString());
        Assert.Equal(
            [$"anonymous_id:{anonymous}", $"email:ada-{user}@example.com", $"user_id:{user}"],
            root.GetProperty("identifiers").EnumerateArray()
                .Select(i => $"{i.GetProperty("type").GetString()}:{i.GetProperty("value").GetString()}").Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Batch_WithOneBadCall_AppliesTheOthersAndListsTheBadOneByMessageId()
    {
        var user = TestIds.New("u");
        var body = $$"""
            {"batch": [
              {"type": "track", "userId": "{{user}}", "event": "Signed Up", "messageId": "{{user}}-1"},
              {"type": "track", "userId": "{{user}}", "messageId": "{{user}}-bad"},
              {"type": "page", "userId": "{{user}}", "name": "Pricing", "messageId": "{{user}}-3"}
            ]}
            """;

        using var response = await Api.PostAsync("/v1/batch", body);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(
            $$"""{"success":true,"accepted":2,"rejected":[{"index":1,"messageId":"{{user}}-bad","errors":["""
                + """{"field":"event","rule":"Required","message":"must not be empty."}]}]}""",
            await response.Content.ReadAsStringAsync());
        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        Assert.Equal(
            [$"{user}-1", $"{user}-3"],
            profile.RootElement.GetProperty("recentEvents").EnumerateArray().Select(e => e.GetProperty("messageId").GetString()));
    }

    [Fact]
    public async Task Batch_RetriedWhole_AppliesEveryCallOnce()
    {
        var user = TestIds.New("u");
        var firstCall = $$"""{"type": "track", "userId": "{{user}}", "event": "Order Completed", "messageId": "{{user}}-1","""
            + """ "properties": {"revenue": 10} }""";
        var body = $$"""
            {"batch": [
              {{firstCall}},
              {"type": "track", "userId": "{{user}}", "event": "Order Completed", "messageId": "{{user}}-2", "properties": {"revenue": 5} }
            ]}
            """;

        using var first = await Api.PostAsync("/v1/batch", body);
        using var retry = await Api.PostAsync("/v1/batch", body);

        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK), (first.StatusCode, retry.StatusCode));
        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        var orders = profile.RootElement.GetProperty("events").GetProperty("Order Completed");
        Assert.Equal((2, 15m, 2), (orders.GetProperty("count").GetInt32(), orders.GetProperty("sum").GetDecimal(),
            profile.RootElement.GetProperty("eventCount").GetInt32()));
    }

    [Fact]
    public async Task Batch_LevelContextIntegrationsAndSentAt_FillWhatACallDoesNotSet()
    {
        var user = TestIds.New("u");
        var body = $$"""
            {"batch": [
              {"type": "track", "userId": "{{user}}", "event": "A", "messageId": "{{user}}-1", "context": {"ip": "10.0.0.1"},
               "sentAt": "2020-01-01T00:00:01Z", "timestamp": "2020-01-01T00:00:00Z"},
              {"type": "track", "userId": "{{user}}", "event": "B", "messageId": "{{user}}-2"}
            ],
             "context": {"ip": "10.9.9.9", "library": {"name": "batch-lib"} },
             "integrations": {"All": false},
             "sentAt": "2020-01-01T00:00:05Z"}
            """;

        using var response = await Api.PostAsync("/v1/batch", body);
        using var page = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}/events"));

        Assert.Equal("""{"success":true,"accepted":2,"rejected":[]}""", await response.Content.ReadAsStringAsync());
        var events = page.RootElement.GetProperty("events").EnumerateArray().Select(e => e.GetProperty("event")).ToList();
        Assert.Equal(
            ["""{"ip":"10.0.0.1","library":{"name":"batch-lib"}}""", """{"ip":"10.9.9.9","library":{"name":"batch-lib"}}"""],
            events.Select(e => e.GetProperty("context").GetRawText()));
        Assert.Equal(["""{"All":false}""", """{"All":false}"""], events.Select(e => e.GetProperty("integrations").GetRawText()));
        Assert.Equal(
            [new DateTimeOffset(2020, 1, 1, 0, 0, 1, TimeSpan.Zero), new DateTimeOffset(2020, 1, 1, 0, 0, 5, TimeSpan.Zero)],
            events.Select(e => e.GetProperty("sentAt").GetDateTimeOffset()));
    }

    [Theory]
    [InlineData("/v1/track", """{"event": "No one"}""", "userId", "Required")]
    [InlineData("/v1/track", """{"userId": "u", "event": "x", "traits": [1]}""", "traits", "WrongType")]
    [InlineData("/v1/track", """{"userId": "u", "event": "x", "timestamp": "yesterday"}""", "timestamp", "InvalidDate")]
    [InlineData("/v1/track", """{"userId": "u", "event": """, "$", "MalformedJson")]
    [InlineData("/v1/track", """{"type": "identify", "userId": "u"}""", "type", "InvalidFormat")]
    [InlineData("/v1/group", """{"userId": "u"}""", "groupId", "Required")]
    [InlineData(
        "/v1/identify",
        """{"userId": "u", "identifiers": [{"type": "has space", "value": "v"}]}""",
        "identifiers[0].type",
        "InvalidFormat")]
    [InlineData("/v1/batch", """{"calls": []}""", "batch", "Required")]
    [InlineData("/v1/batch", """[1, 2]""", "$", "WrongType")]
    public async Task Call_BreakingARule_Is400NamingTheFieldAndTheRule(string path, string body, string field, string rule)
    {
        using var response = await Api.PostAsync(path, body);
        using var json = await ReadJsonAsync(response, HttpStatusCode.BadRequest);

        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal((field, rule), (error.GetProperty("field").GetString(), error.GetProperty("rule").GetString()));
        Assert.False(json.RootElement.GetProperty("success").GetBoolean());
    }

    [Fact]
    public async Task Call_NestedTooDeep_Is400NamingTheDeepestPart()
    {
        var deep = string.Concat(Enumerable.Repeat("{\"a\":", 20)) + "1" + new string('}', 20);
        using var response = await Api.PostAsync("/v1/track", $$"""{"userId": "u", "event": "x", "properties": {{deep}}}""");
        using var json = await ReadJsonAsync(response, HttpStatusCode.BadRequest);

        var error = json.RootElement.GetProperty("errors")[0];
        Assert.Equal("TooDeep", error.GetProperty("rule").GetString());
        Assert.StartsWith("properties.a.a.a", error.GetProperty("field").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Call_Over32KB_Is413_AndBatchOver500KB_Is413()
    {
        var big = new string('x', EventLimits.MaxEventBytes);
        using var call = await Api.PostAsync("/v1/track", $$$"""{"userId": "u", "event": "x", "properties": {"p": "{{{big}}}"}}""");
        var calls = Enumerable.Range(0, 20).Select(i =>
            $$$"""{"type": "track", "userId": "u", "event": "x", "properties": {"p": "{{{big[..30_000]}}}"}}""");
        using var batch = await Api.PostAsync("/v1/batch", $$"""{"batch": [{{string.Join(",", calls)}}]}""");

        using var callJson = await ReadJsonAsync(call, HttpStatusCode.RequestEntityTooLarge);
        using var batchJson = await ReadJsonAsync(batch, HttpStatusCode.RequestEntityTooLarge);
        Assert.Equal("too_large", callJson.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal("too_large", batchJson.RootElement.GetProperty("error").GetProperty("code").GetString());
    }

    [Fact]
    public async Task GzipBody_IsAccepted_AndOneThatExpandsPastTheLimitIs413()
    {
        var user = TestIds.New("u");
        using var zipped = await PostGzipAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Zipped"}""");

        // 600 KB of spaces inside valid JSON compresses to about a kilobyte: the limit must count the expanded bytes.
        using var bomb = await PostGzipAsync("/v1/batch", "{\"batch\": [" + new string(' ', 600 * 1024) + "]}");
        using var notGzip = await Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
            Content = Json("{}", "gzip"),
        });

        Assert.Equal(HttpStatusCode.OK, zipped.StatusCode);
        Assert.Equal(HttpStatusCode.RequestEntityTooLarge, bomb.StatusCode);
        Assert.Equal(HttpStatusCode.BadRequest, notGzip.StatusCode);
        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        Assert.Equal(1, profile.RootElement.GetProperty("events").GetProperty("Zipped").GetProperty("count").GetInt32());
    }

    [Fact]
    public async Task UnknownRouteWrongMethodAndABodyThatIsNotJson_AreJson4xx()
    {
        using var unknown = await Api.PostAsync("/v1/nothing", "{}");
        using var method = await Api.GetAsync("/v1/track");
        using var form = await Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
            Content = new FormUrlEncodedContent([new("userId", "u")]),
        });

        using var unknownJson = await ReadJsonAsync(unknown, HttpStatusCode.NotFound);
        using var methodJson = await ReadJsonAsync(method, HttpStatusCode.MethodNotAllowed);
        // The content type is not checked (the RudderStack SDK sends gzip with none); the body must be JSON.
        using var formJson = await ReadJsonAsync(form, HttpStatusCode.BadRequest);
        Assert.Equal("MalformedJson", formJson.RootElement.GetProperty("errors")[0].GetProperty("rule").GetString());
        Assert.Equal(
            ["not_found", "method_not_allowed", "invalid"],
            new[] { unknownJson, methodJson, formJson }.Select(j => j.RootElement.GetProperty("error").GetProperty("code").GetString()));
    }

    [Fact]
    public async Task IngestLimiterFull_Answers429WithRetryAfter_AndServesAgainOnceFree()
    {
        var host = await fixture.StartHostAsync(o => { o.MaxConcurrentIngestRequests = 1; o.RetryAfterSeconds = 7; });
        var user = TestIds.New("u");
        var json = Encoding.UTF8.GetBytes($$"""{"userId": "{{user}}", "event": "Held"}""");

        // The first request sends its headers and all but the last byte of its body, then waits: it holds the
        // only place from the moment the key is checked until its body is complete.
        var rest = new TaskCompletionSource();
        var held = new HeldContent(json, rest.Task);
        var first = host.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, "/v1/track")
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
            Content = held,
        });
        await WaitUntilAsync(() => host.Limiter.InFlight == 1);

        using var refused = await host.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "Refused"}""");
        rest.SetResult();
        using var served = await first;
        using var after = await host.PostAsync("/v1/track", $$"""{"userId": "{{user}}", "event": "After"}""");

        using var refusedJson = await ReadJsonAsync(refused, HttpStatusCode.TooManyRequests);
        Assert.Equal("7", refused.Headers.GetValues("Retry-After").Single());
        Assert.Equal("overloaded", refusedJson.RootElement.GetProperty("error").GetProperty("code").GetString());
        Assert.Equal((HttpStatusCode.OK, HttpStatusCode.OK, 0), (served.StatusCode, after.StatusCode, host.Limiter.InFlight));
        using var profile = await ReadJsonAsync(await Api.GetAsync($"/v1/profiles/user_id:{user}"));
        Assert.Equal(["After", "Held"], profile.RootElement.GetProperty("events").EnumerateObject().Select(e => e.Name));
    }

    internal static async Task<JsonDocument> ReadJsonAsync(HttpResponseMessage response, HttpStatusCode expected = HttpStatusCode.OK)
    {
        using (response)
        {
            var text = await response.Content.ReadAsStringAsync();
            Assert.True(response.StatusCode == expected, $"Expected {expected}, got {response.StatusCode}: {text}");
            Assert.Equal("application/json", response.Content.Headers.ContentType?.MediaType);
            return JsonDocument.Parse(text);
        }
    }

    // A condition the server reaches on its own thread; checked often, with a deadline.
    internal static async Task WaitUntilAsync(Func<bool> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "The condition did not hold within 10 seconds.");
            await Task.Yield();
            await Task.Delay(5);
        }
    }

    private Task<HttpResponseMessage> PostGzipAsync(string path, string json)
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.Optimal, leaveOpen: true))
        {
            gzip.Write(Encoding.UTF8.GetBytes(json));
        }

        var content = new ByteArrayContent(buffer.ToArray());
        content.Headers.ContentType = new("application/json");
        content.Headers.ContentEncoding.Add("gzip");
        return Api.Http.SendAsync(new HttpRequestMessage(HttpMethod.Post, path)
        {
            Headers = { Authorization = HttpApiHost.Basic(HttpApiFixture.AdminKey) },
            Content = content,
        });
    }

    private static StringContent Json(string text, string? encoding = null)
    {
        var content = new StringContent(text, Encoding.UTF8, "application/json");
        if (encoding is not null)
        {
            content.Headers.ContentEncoding.Add(encoding);
        }

        return content;
    }

    /// <summary>A body that sends all but its last byte at once, and the last byte when released.</summary>
    private sealed class HeldContent : HttpContent
    {
        private readonly byte[] _bytes;
        private readonly Task _release;

        public HeldContent(byte[] bytes, Task release)
        {
            _bytes = bytes;
            _release = release;
            Headers.ContentType = new("application/json");
        }

        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(_bytes.AsMemory(0, _bytes.Length - 1));
            await stream.FlushAsync();
            await _release;
            await stream.WriteAsync(_bytes.AsMemory(_bytes.Length - 1));
        }

        protected override bool TryComputeLength(out long length)
        {
            length = _bytes.Length;
            return true;
        }
    }
}
