using System.Text.Json;
using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// Identity resolution over HTTP: explain an identifier, read a profile's identity journal, undo a merge,
/// and read or replace the identity rules. Explain quotes identifiers, so it needs personal-data access;
/// unmerge and the rules change how the platform joins people, so they need the admin scope.
/// </summary>
internal static class IdentityEndpoints
{
    private const int MaxRulesBytes = 256 * 1024;
    private const int MaxUnmergeBytes = 4 * 1024;

    private static readonly JsonSerializerOptions RulesJson = new(JsonSerializerDefaults.Web)
    {
        MaxDepth = 8,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
    };

    public static async Task<IResult> ExplainAsync(HttpContext context, string id)
    {
        var (customer, externalId, refusal, _) = await FindAsync(context, id, ApiScopes.ReadProfiles | ApiScopes.ReadPersonalData);
        if (refusal is not null)
        {
            return refusal;
        }

        var explanation = await customer!.ExplainAsync(externalId);
        if (explanation is null)
        {
            return JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….");
        }

        return new JsonAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("identifier", explanation.Identifier.ToString());
            w.WriteString("customerId", explanation.CustomerId);
            w.WriteStartArray("steps");
            foreach (var step in explanation.Steps)
            {
                w.WriteStartObject();
                w.WriteString("action", step.Action?.ToString() ?? "FirstSeen");
                w.WriteString("at", step.At);
                if (step.MessageId is { } messageId)
                {
                    w.WriteString("messageId", messageId);
                }

                w.WriteString("customerId", step.CustomerId);
                if (step.OtherCustomerId is { } other)
                {
                    w.WriteString("otherCustomerId", other);
                }

                w.WriteStartArray("identifiers");
                foreach (var identifier in step.Identifiers)
                {
                    w.WriteStringValue(identifier.ToString());
                }

                w.WriteEndArray();
                w.WriteString("text", step.Text);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> JournalAsync(HttpContext context, string id)
    {
        var (customer, externalId, refusal, personal) = await FindAsync(context, id, ApiScopes.ReadProfiles);
        if (refusal is not null)
        {
            return refusal;
        }

        var profile = await customer!.GetProfileAsync();
        if (profile is null)
        {
            return JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….");
        }

        return new JsonAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteString("customerId", profile.CustomerId);
            w.WriteStartArray("journal");
            foreach (var entry in profile.Journal)
            {
                ProfileJson.WriteJournalEntry(w, entry, personal);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> UnmergeAsync(HttpContext context, string id)
    {
        var (customer, _, refusal, personal) = await FindAsync(context, id, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, MaxUnmergeBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        string? entryId = null;
        try
        {
            using var document = JsonDocument.Parse(body!, new JsonDocumentOptions { MaxDepth = 4 });
            if (document.RootElement.ValueKind == JsonValueKind.Object &&
                document.RootElement.TryGetProperty("entryId", out var value) && value.ValueKind == JsonValueKind.String)
            {
                entryId = value.GetString();
            }
        }
        catch (JsonException)
        {
            return JsonAnswer.Invalid([new CdpValidationError("$", CdpValidationRule.MalformedJson, "the body is not JSON.")]);
        }

        if (string.IsNullOrEmpty(entryId))
        {
            return JsonAnswer.Invalid([new CdpValidationError(
                "entryId", CdpValidationRule.Required, "is required: the id of a Merged entry of the profile's journal.")]);
        }

        if (entryId.Length > 100)
        {
            return JsonAnswer.Invalid([new CdpValidationError("entryId", CdpValidationRule.TooLong, "may be at most 100 characters.")]);
        }

        try
        {
            var entry = await customer!.UnmergeAsync(entryId);
            return new JsonAnswer(StatusCodes.Status200OK, w => ProfileJson.WriteJournalEntry(w, entry, personal));
        }
        catch (CdpValidationException ex) when (ex.Errors.Count == 1)
        {
            return ex.Errors[0].Rule switch
            {
                CdpValidationRule.NotFound => JsonAnswer.Error(StatusCodes.Status404NotFound, "not_found", ex.Errors[0].Message, ex.Errors),
                CdpValidationRule.Conflict => JsonAnswer.Error(StatusCodes.Status409Conflict, "conflict", ex.Errors[0].Message, ex.Errors),
                _ => JsonAnswer.Invalid(ex.Errors),
            };
        }
    }

    public static async Task<IResult> GetRulesAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        var rules = await RulesGrain(context).GetAsync();
        return Results.Json(rules, RulesJson);
    }

    public static async Task<IResult> SetRulesAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, MaxRulesBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        IdentityRules? rules;
        try
        {
            rules = JsonSerializer.Deserialize<IdentityRules>(body!, RulesJson);
        }
        catch (JsonException ex)
        {
            return JsonAnswer.Invalid(
                [new CdpValidationError(ex.Path ?? "$", CdpValidationRule.MalformedJson, "not valid identity rules JSON.")]);
        }

        var errors = IdentityRulesValidator.Validate(rules);
        if (errors.Count > 0)
        {
            return JsonAnswer.Invalid(errors);
        }

        var stored = await RulesGrain(context).SetAsync(rules!);
        return Results.Json(stored, RulesJson);
    }

    private static IIdentityRulesGrain RulesGrain(HttpContext context) =>
        context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IIdentityRulesGrain>("default");

    private static async Task<(ICustomerGrain? Customer, ExternalId Id, JsonAnswer? Refusal, bool Personal)> FindAsync(
        HttpContext context, string text, ApiScopes scopes)
    {
        var (caller, refusal) = await ProfileEndpoints.Authorize(context, scopes);
        if (refusal is not null)
        {
            return (null, default, refusal, false);
        }

        if (!ProfileEndpoints.TryParse(text, out var id, out var invalid))
        {
            return (null, default, invalid, false);
        }

        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var customerId = await grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(id)).GetCustomerAsync();
        var personal = caller!.Has(ApiScopes.ReadPersonalData);
        return customerId is null
            ? (null, id, JsonAnswer.NotFound($"No customer has the identifier {id.Type}:…."), personal)
            : (grains.GetGrain<ICustomerGrain>(customerId), id, null, personal);
    }
}
