using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// Privacy requests (scope <see cref="ApiScopes.PrivacyRequests"/>): export, erasure, request status and the audit
/// log. Each is recorded in the audit log as requested by the API key's name.
/// </summary>
internal static class PrivacyEndpoints
{
    private const int MaxErasureBytes = 4 * 1024;

    public static async Task<IResult> ExportAsync(HttpContext context, string id)
    {
        var (caller, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.PrivacyRequests);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!ProfileEndpoints.TryParse(id, out var externalId, out var invalid))
        {
            return invalid;
        }

        var export = await Coordinator(context, NewRequestId()).ExportAsync(externalId, Requester(caller!));
        return export is null
            ? JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….")
            : new JsonAnswer(StatusCodes.Status200OK, export.WriteJson);
    }

    public static async Task<IResult> EraseAsync(HttpContext context)
    {
        var (caller, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.PrivacyRequests);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, MaxErasureBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        string? identifier = null;
        try
        {
            using var document = JsonDocument.Parse(body!, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("identifier", out var value) && value.ValueKind == JsonValueKind.String)
            {
                identifier = value.GetString();
            }
        }
        catch (JsonException)
        {
            return JsonAnswer.Invalid([new CdpValidationError("$", CdpValidationRule.MalformedJson, "the body is not JSON.")]);
        }

        if (string.IsNullOrEmpty(identifier))
        {
            return JsonAnswer.Invalid([new CdpValidationError(
                "identifier", CdpValidationRule.Required, "is required: the identifier type:value of the customer to erase.")]);
        }

        if (!ProfileEndpoints.TryParse(identifier, out var externalId, out var invalid))
        {
            return invalid;
        }

        var result = await Coordinator(context, NewRequestId()).EraseAsync(externalId, Requester(caller!));
        return new JsonAnswer(StatusCodes.Status200OK, w => WriteResult(w, result));
    }

    public static async Task<IResult> RequestAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.PrivacyRequests);
        if (refusal is not null)
        {
            return refusal;
        }

        var result = id.Length is > 0 and <= 100 ? await Coordinator(context, id).GetAsync() : null;
        return result is null
            ? JsonAnswer.NotFound("No erasure request has this id.")
            : new JsonAnswer(StatusCodes.Status200OK, w => WriteResult(w, result));
    }

    public static async Task<IResult> AuditAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.PrivacyRequests);
        if (refusal is not null)
        {
            return refusal;
        }

        var entries = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IPrivacyAuditGrain>(0).ListAsync();
        return new JsonAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("entries");
            foreach (var entry in entries)
            {
                WriteAuditEntry(w, entry);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    internal static void WriteResult(Utf8JsonWriter w, ErasureResult result)
    {
        w.WriteStartObject();
        w.WriteString("requestId", result.RequestId);
        w.WriteString("status", result.Status.ToString());
        WriteNullable(w, "customerId", result.CustomerId);
        w.WriteNumber("eventsErased", result.EventsErased);
        w.WriteNumber("identifiersErased", result.IdentifiersErased);
        w.WriteNumber("customersErased", result.CustomersErased);
        w.WriteString("requestedAt", result.RequestedAt);
        if (result.CompletedAt is { } completed)
        {
            w.WriteString("completedAt", completed);
        }
        else
        {
            w.WriteNull("completedAt");
        }

        w.WriteNumber("durationMs", Math.Round(result.Duration.TotalMilliseconds, 1));
        w.WriteEndObject();
    }

    private static void WriteAuditEntry(Utf8JsonWriter w, PrivacyAuditEntry entry)
    {
        w.WriteStartObject();
        w.WriteString("requestId", entry.RequestId);
        w.WriteString("kind", entry.Kind.ToString());
        w.WriteString("requestedBy", entry.RequestedBy);
        w.WriteString("requestedAt", entry.RequestedAt);
        w.WriteString("outcome", entry.Outcome.ToString());
        w.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
        WriteNullable(w, "identifierHash", entry.IdentifierHash);
        WriteNullable(w, "customerId", entry.CustomerId);
        w.WriteNumber("events", entry.Events);
        w.WriteEndObject();
    }

    private static void WriteNullable(Utf8JsonWriter w, string name, string? value)
    {
        if (value is null)
        {
            w.WriteNull(name);
        }
        else
        {
            w.WriteString(name, value);
        }
    }

    private static string Requester(Caller caller) => $"API key {caller.Name} ({caller.KeyId})";

    private static string NewRequestId() => "p" + Guid.CreateVersion7().ToString("N");

    private static IPrivacyCoordinatorGrain Coordinator(HttpContext context, string requestId) =>
        context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IPrivacyCoordinatorGrain>(requestId);
}
