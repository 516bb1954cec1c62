using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Cdp.Http;

/// <summary>A JSON answer written with <see cref="Utf8JsonWriter"/> straight to the response.</summary>
internal sealed class JsonAnswer(int status, Action<Utf8JsonWriter> write) : IResult
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    private string? _retryAfter;
    private bool _challenge;

    public int Status => status;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        var response = httpContext.Response;
        response.StatusCode = status;
        response.ContentType = "application/json; charset=utf-8";
        if (_retryAfter is not null)
        {
            response.Headers.RetryAfter = _retryAfter;
        }

        if (_challenge)
        {
            response.Headers.WWWAuthenticate = "Basic realm=\"cdp\", Bearer";
        }

        await using (var writer = new Utf8JsonWriter(response.BodyWriter, WriterOptions))
        {
            write(writer);
        }

        await response.BodyWriter.FlushAsync(httpContext.RequestAborted);
    }

    public static JsonAnswer Success() => new(StatusCodes.Status200OK, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", true);
        w.WriteEndObject();
    });

    /// <summary>An error: <c>{"success": false, "error": {"code", "message"}, "errors": [...]}</c>.</summary>
    public static JsonAnswer Error(int status, string code, string message, IReadOnlyList<CdpValidationError>? errors = null) =>
        new(status, w =>
        {
            w.WriteStartObject();
            w.WriteBoolean("success", false);
            w.WriteStartObject("error");
            w.WriteString("code", code);
            w.WriteString("message", message);
            w.WriteEndObject();
            if (errors is { Count: > 0 })
            {
                w.WritePropertyName("errors");
                WriteErrors(w, errors);
            }

            w.WriteEndObject();
        });

    public static JsonAnswer Invalid(IReadOnlyList<CdpValidationError> errors) =>
        Error(StatusCodes.Status400BadRequest, "invalid", "The request breaks a rule; see errors.", errors);

    public static JsonAnswer Unauthorized() =>
        new JsonAnswer(StatusCodes.Status401Unauthorized, w => WriteError(w, "unauthorized",
            "A valid API key is required: the write key as the Basic user name, or a Bearer token."))
        {
            _challenge = true,
        };

    public static JsonAnswer Forbidden(ApiScopes scope) =>
        Error(StatusCodes.Status403Forbidden, "forbidden",
            $"This key lacks the scope '{string.Join("', '", ApiScopeNames.ToNames(scope))}'.");

    public static JsonAnswer Overloaded(int retryAfterSeconds) =>
        new JsonAnswer(StatusCodes.Status429TooManyRequests, w => WriteError(w, "overloaded",
            "Too many requests are being served; retry after the time in Retry-After."))
        {
            _retryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture),
        };

    public static JsonAnswer RateLimited(int retryAfterSeconds, string keyName, int eventsPerSecond, int burst) =>
        new JsonAnswer(StatusCodes.Status429TooManyRequests, w => WriteError(w, "rate_limited",
            $"Key '{keyName}' may send {eventsPerSecond.ToString(CultureInfo.InvariantCulture)} events per second "
                + $"({burst.ToString(CultureInfo.InvariantCulture)} at once) to this silo; retry after the time in Retry-After."))
        {
            _retryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture),
        };

    public static JsonAnswer Unavailable(int retryAfterSeconds) =>
        new JsonAnswer(StatusCodes.Status503ServiceUnavailable, w => WriteError(w, "unavailable",
            "The events could not be made durable now; some may have been. Retry: messageIds make it safe."))
        {
            _retryAfter = retryAfterSeconds.ToString(CultureInfo.InvariantCulture),
        };

    public static JsonAnswer NotFound(string message) => Error(StatusCodes.Status404NotFound, "not_found", message);

    public static void WriteErrors(Utf8JsonWriter w, IEnumerable<CdpValidationError> errors)
    {
        w.WriteStartArray();
        foreach (var error in errors)
        {
            w.WriteStartObject();
            w.WriteString("field", error.Field);
            w.WriteString("rule", error.Rule.ToString());
            w.WriteString("message", error.Message);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    private static void WriteError(Utf8JsonWriter w, string code, string message)
    {
        w.WriteStartObject();
        w.WriteBoolean("success", false);
        w.WriteStartObject("error");
        w.WriteString("code", code);
        w.WriteString("message", message);
        w.WriteEndObject();
        w.WriteEndObject();
    }
}
