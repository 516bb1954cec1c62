using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// A customer's consent ledger over HTTP. Reading needs <see cref="ApiScopes.ReadProfiles"/>; with <c>?purpose=</c>
/// (and <c>&amp;channel=</c>) the answer also says whether data may leave for that purpose now. Recording decisions
/// needs <see cref="ApiScopes.Ingest"/>: they travel as an identify call carrying <c>context.consent.purposes</c>,
/// so they are archived, exported and replayed like any event (tracking calls may carry consent the same way).
/// </summary>
internal static class ConsentEndpoints
{
    private const int MaxBodyBytes = 32 * 1024;

    public static async Task<IResult> GetAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.ReadProfiles);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!ProfileEndpoints.TryParse(id, out var externalId, out var invalid))
        {
            return invalid;
        }

        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var customerId = await grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(externalId)).GetCustomerAsync();
        var customer = customerId is null ? null : grains.GetGrain<ICustomerGrain>(customerId);
        var profile = customer is null ? null : await customer.GetProfileAsync();
        if (profile is null)
        {
            return JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….");
        }

        bool? allowed = null;
        var purpose = context.Request.Query["purpose"].ToString();
        if (purpose.Length > 0)
        {
            var channel = context.Request.Query["channel"].ToString();
            try
            {
                allowed = await customer!.AllowsAsync(purpose, channel.Length == 0 ? null : channel);
            }
            catch (CdpValidationException ex)
            {
                return JsonAnswer.Invalid(ex.Errors);
            }
        }

        return new JsonAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("customerId", profile.CustomerId);
            if (allowed is { } answer)
            {
                w.WriteBoolean("allowed", answer);
            }

            w.WriteStartArray("current");
            foreach (var record in profile.Consent.Values.OrderBy(r => r.Key, StringComparer.Ordinal))
            {
                ProfileJson.WriteConsentRecord(w, record);
            }

            w.WriteEndArray();
            w.WriteStartArray("history");
            foreach (var record in profile.ConsentHistory)
            {
                ProfileJson.WriteConsentRecord(w, record);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> SetAsync(HttpContext context, string id)
    {
        var (caller, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Ingest);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!ProfileEndpoints.TryParse(id, out var externalId, out var invalid))
        {
            return invalid;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, MaxBodyBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        // The body is the consent object of an event's context ({"purposes": [...]} or {"categoryPreferences": {...}}),
        // read by the same strict, bounded reader as tracking calls. It must be one whole JSON object on its own first,
        // so that nothing in it can reach past the consent object into the event around it.
        if (!IsOneObject(body!))
        {
            return JsonAnswer.Invalid([new CdpValidationError("$", CdpValidationRule.MalformedJson,
                "must be one JSON object such as {\"purposes\": [{\"purpose\": \"email_marketing\", \"status\": \"granted\"}]}.")]);
        }

        CdpEvent evt;
        try
        {
            var wrapped = Wrap(body!);
            evt = CdpJson.DeserializeEvent(wrapped) with
            {
                Identifiers = [externalId],
                MessageId = context.Request.Headers["Idempotency-Key"].ToString() is { Length: > 0 } key ? key : null,
                Source = caller!.Name,
            };
            if (evt.Context?["consent"] is not { Kind: CdpValueKind.Object })
            {
                return JsonAnswer.Invalid([new CdpValidationError("$", CdpValidationRule.WrongType,
                    "must be an object such as {\"purposes\": [{\"purpose\": \"email_marketing\", \"status\": \"granted\"}]}.")]);
            }

            EventValidator.ValidateBatch([evt], context.RequestServices.GetRequiredService<TimeProvider>().GetUtcNow());
            var receipts = await context.RequestServices.GetRequiredService<IngestTarget>().Grain.IngestAsync([evt]);
            return new JsonAnswer(StatusCodes.Status200OK, w =>
            {
                w.WriteStartObject();
                w.WriteBoolean("success", true);
                w.WriteString("messageId", receipts[0].MessageId);
                w.WriteString("customerId", receipts[0].CustomerId);
                w.WriteEndObject();
            });
        }
        catch (CdpValidationException ex)
        {
            return JsonAnswer.Invalid(ex.Errors);
        }
    }

    private static bool IsOneObject(byte[] body)
    {
        try
        {
            using var document = JsonDocument.Parse(body, new JsonDocumentOptions { MaxDepth = EventLimits.MaxNestingDepth + 4 });
            return document.RootElement.ValueKind == JsonValueKind.Object;
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static byte[] Wrap(byte[] consent)
    {
        ReadOnlySpan<byte> before = "{\"type\":\"identify\",\"context\":{\"consent\":"u8;
        ReadOnlySpan<byte> after = "}}"u8;
        var wrapped = new byte[before.Length + consent.Length + after.Length];
        before.CopyTo(wrapped);
        consent.CopyTo(wrapped.AsSpan(before.Length));
        after.CopyTo(wrapped.AsSpan(before.Length + consent.Length));
        return wrapped;
    }
}
