using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace Cdp.Http;

/// <summary>
/// The tracking endpoints. Order of work per request: the key (no body read without one), a place in the
/// <see cref="IngestLimiter"/>, the bounded body, validation per call, then one <see cref="IIngestGrain"/> call
/// for every valid call, which returns once they are durable. Only then is the answer 200.
/// </summary>
internal static partial class IngestEndpoints
{
    public static Task<IResult> CallAsync(HttpContext context, EventType type) => HandleAsync(context, type);

    public static Task<IResult> BatchAsync(HttpContext context) => HandleAsync(context, null);

    private static async Task<IResult> HandleAsync(HttpContext context, EventType? pathType)
    {
        var services = context.RequestServices;
        var caller = await services.GetRequiredService<ApiKeyAuthenticator>().AuthenticateAsync(context.Request);
        if (caller is null)
        {
            return JsonAnswer.Unauthorized();
        }

        if (!caller.Has(ApiScopes.Ingest))
        {
            return JsonAnswer.Forbidden(ApiScopes.Ingest);
        }

        var options = services.GetRequiredService<IOptions<CdpHttpOptions>>().Value;
        var logger = services.GetRequiredService<ILoggerFactory>().CreateLogger("Cdp.Http");
        var limiter = services.GetRequiredService<IngestLimiter>();
        if (!limiter.TryEnter())
        {
            LogOverloaded(logger, options.MaxConcurrentIngestRequests);
            return JsonAnswer.Overloaded(options.RetryAfterSeconds);
        }

        try
        {
            var limit = pathType is null ? EventLimits.MaxBatchBytes : EventLimits.MaxEventBytes;
            var (body, refusal) = await RequestBody.ReadAsync(context.Request, limit);
            if (refusal is not null)
            {
                return refusal;
            }

            var now = services.GetRequiredService<TimeProvider>().GetUtcNow();
            var target = new Target(
                services.GetRequiredService<IngestTarget>().Grain, services.GetRequiredService<KeyRateLimiter>(), caller);
            return pathType is { } type
                ? await IngestCallAsync(target, body!, type, now)
                : await IngestBatchAsync(target, body!, now);
        }
        catch (CdpValidationException ex)
        {
            // The silo validates again; a rule that only it could check (none today) refuses the call whole.
            return Refuse(ex.Errors);
        }
        catch (CdpOverloadedException ex)
        {
            // The silo's own admission limit (Cdp:Ingest:MaxConcurrentCalls), behind this API's request limit:
            // the same answer, with the silo's hint, and nothing was applied.
            return JsonAnswer.Overloaded(RetryAfterSeconds(ex.RetryAfter));
        }
        catch (OperationCanceledException) when (context.RequestAborted.IsCancellationRequested)
        {
            return Results.Empty;
        }
        catch (Exception ex)
        {
            LogIngestFailed(logger, ex);
            return JsonAnswer.Unavailable(options.RetryAfterSeconds);
        }
        finally
        {
            limiter.Exit();
        }
    }

    private static async Task<IResult> IngestCallAsync(Target target, byte[] body, EventType type, DateTimeOffset now)
    {
        CdpEvent evt;
        try
        {
            evt = TrackingPayloads.ReadCall(body, type, target.Caller.Name, now);
        }
        catch (CdpValidationException ex)
        {
            return Refuse(ex.Errors);
        }

        if (target.OverRate(1) is { } limited)
        {
            return limited;
        }

        await target.Ingest.IngestAsync([evt]);
        return JsonAnswer.Success();
    }

    private static async Task<IResult> IngestBatchAsync(Target target, byte[] body, DateTimeOffset now)
    {
        ParsedCalls calls;
        try
        {
            calls = TrackingPayloads.ReadBatch(body, target.Caller.Name, now);
        }
        catch (CdpValidationException ex)
        {
            return Refuse(ex.Errors);
        }

        // Calls are measured as the silo will store them, which can exceed what arrived (escaped text).
        if (calls.AcceptedBytes > EventLimits.MaxBatchBytes)
        {
            return RequestBody.TooLarge(EventLimits.MaxBatchBytes);
        }

        if (calls.Accepted.Count == 0)
        {
            return BatchAnswer(StatusCodes.Status400BadRequest, calls);
        }

        if (target.OverRate(calls.Accepted.Count) is { } limited)
        {
            return limited;
        }

        await target.Ingest.IngestAsync([.. calls.Accepted.Select(c => c.Event)]);
        return BatchAnswer(StatusCodes.Status200OK, calls);
    }

    /// <summary>Where a caller's valid events go, and the rate its key is held to.</summary>
    private sealed record Target(IIngestGrain Ingest, KeyRateLimiter Rates, Caller Caller)
    {
        // Null when the key may send these events now (they are counted); otherwise the answer that refuses them.
        public JsonAnswer? OverRate(int events)
        {
            if (!Rates.Enabled)
            {
                return null;
            }

            if (events > Rates.Burst)
            {
                return JsonAnswer.Invalid([new CdpValidationError("batch", CdpValidationRule.TooMany,
                    $"the batch holds {events} valid calls; key '{Caller.Name}' may send at most {Rates.Burst} at once.")]);
            }

            return Rates.TryTake(Caller.KeyId, events, out var wait)
                ? null
                : JsonAnswer.RateLimited(RetryAfterSeconds(wait), Caller.Name, Rates.Rate, Rates.Burst);
        }
    }

    // Retry-After takes whole seconds; a hint below one second still asks for one.
    internal static int RetryAfterSeconds(TimeSpan hint) => (int)Math.Clamp(Math.Ceiling(hint.TotalSeconds), 1, 3600);

    // A call too large once measured is 413, like a body over the limit; every other broken rule is 400.
    private static JsonAnswer Refuse(IReadOnlyList<CdpValidationError> errors) =>
        errors.Any(e => e.Rule == CdpValidationRule.TooLarge && e.Field == "$")
            ? JsonAnswer.Error(StatusCodes.Status413PayloadTooLarge, "too_large", "The call is too large.", errors)
            : JsonAnswer.Invalid(errors);

    private static JsonAnswer BatchAnswer(int status, ParsedCalls calls) => new(status, w =>
    {
        w.WriteStartObject();
        w.WriteBoolean("success", calls.Accepted.Count > 0);
        if (calls.Accepted.Count == 0)
        {
            w.WriteStartObject("error");
            w.WriteString("code", "invalid");
            w.WriteString("message", "Every call of the batch breaks a rule; see rejected.");
            w.WriteEndObject();
        }

        w.WriteNumber("accepted", calls.Accepted.Count);
        w.WriteStartArray("rejected");
        foreach (var rejected in calls.Rejected)
        {
            WriteRejected(w, rejected);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    });

    private static void WriteRejected(Utf8JsonWriter w, RejectedCall rejected)
    {
        w.WriteStartObject();
        w.WriteNumber("index", rejected.Index);
        if (rejected.MessageId is { } messageId)
        {
            w.WriteString("messageId", messageId);
        }
        else
        {
            w.WriteNull("messageId");
        }

        w.WritePropertyName("errors");
        JsonAnswer.WriteErrors(w, rejected.Errors);
        w.WriteEndObject();
    }

    [LoggerMessage(EventId = 3001, Level = LogLevel.Debug,
        Message = "Ingestion refused with 429: {Limit} requests are in flight")]
    private static partial void LogOverloaded(ILogger logger, int limit);

    [LoggerMessage(EventId = 3002, Level = LogLevel.Error,
        Message = "Ingestion failed; the caller was told to retry (503)")]
    private static partial void LogIngestFailed(ILogger logger, Exception exception);
}
