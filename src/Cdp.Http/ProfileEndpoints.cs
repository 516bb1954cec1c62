using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Http;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Http;

/// <summary>
/// Profile reads by any identifier. A profile needs <see cref="ApiScopes.ReadProfiles"/> and is masked without
/// <see cref="ApiScopes.ReadPersonalData"/> (see <see cref="ProfileJson"/>). Archived events need both scopes:
/// raw events carry personal data in free-form properties and context that no mapping can tell apart.
/// </summary>
internal static class ProfileEndpoints
{
    public const int MaxPageSize = 1000;
    public const int DefaultPageSize = 100;

    public static async Task<IResult> ProfileAsync(HttpContext context, string id)
    {
        var (caller, refusal) = await Authorize(context, ApiScopes.ReadProfiles);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!TryParse(id, out var externalId, out var invalid))
        {
            return invalid;
        }

        var customer = await FindAsync(context, externalId);
        var profile = customer is null ? null : await customer.GetProfileAsync();
        if (profile is null)
        {
            return JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….");
        }

        var personal = caller!.Has(ApiScopes.ReadPersonalData);
        return new JsonAnswer(StatusCodes.Status200OK, w => ProfileJson.Write(w, profile, personal));
    }

    public static async Task<IResult> EventsAsync(HttpContext context, string id)
    {
        var (_, refusal) = await Authorize(context, ApiScopes.ReadProfiles | ApiScopes.ReadPersonalData);
        if (refusal is not null)
        {
            return refusal;
        }

        if (!TryParse(id, out var externalId, out var invalid))
        {
            return invalid;
        }

        var errors = new List<CdpValidationError>();
        var after = ReadQuery(context, "after", 0, 0, long.MaxValue, errors);
        var limit = (int)ReadQuery(context, "limit", DefaultPageSize, 1, MaxPageSize, errors);
        if (errors.Count > 0)
        {
            return JsonAnswer.Invalid(errors);
        }

        var customer = await FindAsync(context, externalId);
        if (customer is null)
        {
            return JsonAnswer.NotFound($"No customer has the identifier {externalId.Type}:….");
        }

        var page = await customer.GetEventsAsync(after, limit);
        return new JsonAnswer(StatusCodes.Status200OK, w => ProfileJson.WritePage(w, page));
    }

    internal static async Task<(Caller? Caller, JsonAnswer? Refusal)> Authorize(HttpContext context, ApiScopes scopes)
    {
        var caller = await context.RequestServices.GetRequiredService<ApiKeyAuthenticator>().AuthenticateAsync(context.Request);
        if (caller is null)
        {
            return (null, JsonAnswer.Unauthorized());
        }

        return caller.Has(scopes) ? (caller, null) : (caller, JsonAnswer.Forbidden(scopes & ~caller.Scopes));
    }

    /// <summary><c>type:value</c>, split at the first colon; a <c>/</c> in the value is sent as <c>%2F</c>.</summary>
    internal static bool TryParse(string text, out ExternalId id, out JsonAnswer refusal)
    {
        id = default;
        refusal = null!;
        var decoded = text.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        var colon = decoded.IndexOf(':', StringComparison.Ordinal);
        string? problem = null;
        if (colon <= 0 || colon == decoded.Length - 1)
        {
            problem = "must have the form type:value, such as user_id:u-42 or email:ada@example.com.";
        }
        else if (colon > EventLimits.MaxIdentifierTypeLength ||
                 !decoded.AsSpan(0, colon).ContainsOnlyIdentifierTypeCharacters())
        {
            problem = $"has a type that is not 1 to {EventLimits.MaxIdentifierTypeLength} letters, digits, '_', '-' or '.'.";
        }
        else if (Encoding.UTF8.GetByteCount(decoded.AsSpan(colon + 1)) > EventLimits.MaxIdentifierBytes)
        {
            problem = $"has a value over {EventLimits.MaxIdentifierBytes} bytes.";
        }

        if (problem is not null)
        {
            refusal = JsonAnswer.Invalid([new CdpValidationError("id", CdpValidationRule.InvalidFormat, problem)]);
            return false;
        }

        id = new ExternalId(decoded[..colon], decoded[(colon + 1)..]);
        return true;
    }

    private static bool ContainsOnlyIdentifierTypeCharacters(this ReadOnlySpan<char> type)
    {
        foreach (var c in type)
        {
            if (!char.IsAsciiLetterOrDigit(c) && c is not '_' and not '-' and not '.')
            {
                return false;
            }
        }

        return true;
    }

    private static async Task<ICustomerGrain?> FindAsync(HttpContext context, ExternalId id)
    {
        var grains = context.RequestServices.GetRequiredService<IGrainFactory>();
        var customerId = await grains.GetGrain<IIdentityGrain>(IdentityKeys.Of(id)).GetCustomerAsync();
        return customerId is null ? null : grains.GetGrain<ICustomerGrain>(customerId);
    }

    private static long ReadQuery(HttpContext context, string name, long fallback, long min, long max, List<CdpValidationError> errors)
    {
        var text = context.Request.Query[name].ToString();
        if (text.Length == 0)
        {
            return fallback;
        }

        if (long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value >= min && value <= max)
        {
            return value;
        }

        errors.Add(new CdpValidationError(name, CdpValidationRule.InvalidFormat, $"must be a whole number from {min} to {max}."));
        return fallback;
    }
}
