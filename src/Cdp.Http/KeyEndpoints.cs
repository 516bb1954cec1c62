using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// API key administration (scope <see cref="ApiScopes.Admin"/>): create, list, revoke. A revocation served
/// here is forgotten by this silo's key cache at once; other silos drop the key when their cache entry expires.
/// </summary>
internal static class KeyEndpoints
{
    private const int MaxBodyBytes = 4096;

    public static async Task<IResult> CreateAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        var (body, bodyRefusal) = await RequestBody.ReadAsync(context.Request, MaxBodyBytes);
        if (bodyRefusal is not null)
        {
            return bodyRefusal;
        }

        if (!TryReadRequest(body!, out var name, out var scopes, out var errors))
        {
            return JsonAnswer.Invalid(errors);
        }

        var registry = context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyRegistryGrain>(0);
        CreatedApiKey created;
        try
        {
            created = await registry.CreateAsync(name, scopes);
        }
        catch (ArgumentException ex)
        {
            return JsonAnswer.Invalid([new CdpValidationError("name", CdpValidationRule.TooMany, ex.Message)]);
        }

        return new JsonAnswer(StatusCodes.Status201Created, w =>
        {
            w.WriteStartObject();
            WriteInfoFields(w, created.Info);
            w.WriteString("key", created.Key);
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> ListAsync(HttpContext context)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        var keys = await context.RequestServices.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyRegistryGrain>(0).ListAsync();
        return new JsonAnswer(StatusCodes.Status200OK, w =>
        {
            w.WriteStartObject();
            w.WriteStartArray("keys");
            foreach (var info in keys)
            {
                w.WriteStartObject();
                WriteInfoFields(w, info);
                w.WriteEndObject();
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    public static async Task<IResult> RevokeAsync(HttpContext context, string id)
    {
        var (_, refusal) = await ProfileEndpoints.Authorize(context, ApiScopes.Admin);
        if (refusal is not null)
        {
            return refusal;
        }

        if (id.Length > 64)
        {
            return JsonAnswer.NotFound("No key has this id.");
        }

        var services = context.RequestServices;
        var revoked = await services.GetRequiredService<IGrainFactory>().GetGrain<IApiKeyRegistryGrain>(0).RevokeAsync(id);
        services.GetRequiredService<ApiKeyAuthenticator>().Forget(id);
        return revoked ? JsonAnswer.Success() : JsonAnswer.NotFound("No key has this id.");
    }

    private static void WriteInfoFields(Utf8JsonWriter w, ApiKeyInfo info)
    {
        w.WriteString("id", info.Id);
        w.WriteString("name", info.Name);
        w.WriteStartArray("scopes");
        foreach (var scope in ApiScopeNames.ToNames(info.Scopes))
        {
            w.WriteStringValue(scope);
        }

        w.WriteEndArray();
        w.WriteString("createdAt", info.CreatedAt);
        if (info.RevokedAt is { } revokedAt)
        {
            w.WriteString("revokedAt", revokedAt);
        }
        else
        {
            w.WriteNull("revokedAt");
        }
    }

    // {"name": "web", "scopes": ["ingest"]}; unknown fields are refused here, since a misspelt scope field
    // would otherwise create a key with fewer rights than meant.
    internal static bool TryReadRequest(byte[] body, out string name, out ApiScopes scopes, out List<CdpValidationError> errors)
    {
        name = "";
        scopes = ApiScopes.None;
        errors = [];
        string? readName = null;
        var readScopes = ApiScopes.None;
        var sawScopes = false;
        try
        {
            var reader = new Utf8JsonReader(body, new JsonReaderOptions { MaxDepth = 4 });
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                errors.Add(new CdpValidationError("$", CdpValidationRule.WrongType, "must be a JSON object."));
                return false;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var field = reader.GetString()!;
                reader.Read();
                switch (field)
                {
                    case "name" when reader.TokenType == JsonTokenType.String:
                        readName = reader.GetString();
                        break;
                    case "scopes" when reader.TokenType == JsonTokenType.StartArray:
                        sawScopes = true;
                        for (var i = 0; reader.Read() && reader.TokenType != JsonTokenType.EndArray; i++)
                        {
                            if (reader.TokenType == JsonTokenType.String && ApiScopeNames.TryParse(reader.GetString()!, out var scope))
                            {
                                readScopes |= scope;
                            }
                            else
                            {
                                errors.Add(new CdpValidationError($"scopes[{i}]", CdpValidationRule.InvalidFormat,
                                    "must be one of " + string.Join(", ", ApiScopeNames.All) + "."));
                                reader.Skip();
                            }
                        }

                        break;
                    case "name" or "scopes":
                        errors.Add(new CdpValidationError(field, CdpValidationRule.WrongType,
                            field == "name" ? "must be a string." : "must be an array of scope names."));
                        reader.Skip();
                        break;
                    default:
                        errors.Add(new CdpValidationError(field, CdpValidationRule.InvalidFormat, "is not a known field."));
                        reader.Skip();
                        break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            errors.Add(new CdpValidationError("$", CdpValidationRule.MalformedJson, "is not valid JSON."));
            return false;
        }

        if (string.IsNullOrWhiteSpace(readName) || readName.Length > 100)
        {
            errors.Add(new CdpValidationError("name", CdpValidationRule.Required, "must be 1 to 100 characters."));
        }

        if (readScopes == ApiScopes.None && errors.All(e => !e.Field.StartsWith("scopes", StringComparison.Ordinal)))
        {
            errors.Add(new CdpValidationError("scopes", CdpValidationRule.Required,
                sawScopes ? "must name at least one scope." : "is required: an array of scope names."));
        }

        name = readName ?? "";
        scopes = readScopes;
        return errors.Count == 0;
    }
}
