namespace Cdp;

/// <summary>
/// One external identifier of a customer: a type (<c>email</c>, <c>user_id</c>, <c>crm_id</c>, …) and a value.
/// Types are lower-case; <see cref="Normalize"/> brings a caller's spelling to the form used for lookups.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.external-id")]
public readonly record struct ExternalId([property: Id(0)] string Type, [property: Id(1)] string Value)
{
    /// <summary>The grain key form, <c>type:value</c>.</summary>
    public override string ToString() => string.Concat(Type, ":", Value);

    /// <summary>
    /// Lower-cases the type; trims and lower-cases emails. Other values are kept exactly, since user ids
    /// and device ids are case-sensitive in the systems that issue them.
    /// </summary>
    public ExternalId Normalize()
    {
        var type = IsLowerAscii(Type) ? Type : Type.Trim().ToLowerInvariant();
        var value = type == IdentifierTypes.Email ? NormalizeEmail(Value) : Value;
        return ReferenceEquals(type, Type) && ReferenceEquals(value, Value) ? this : new ExternalId(type, value);
    }

    /// <summary>Parses <c>type:value</c>, splitting at the first colon.</summary>
    public static ExternalId Parse(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var colon = text.IndexOf(':', StringComparison.Ordinal);
        if (colon <= 0 || colon == text.Length - 1)
        {
            throw new FormatException($"'{text}' is not an identifier of the form type:value.");
        }

        return new ExternalId(text[..colon], text[(colon + 1)..]);
    }

    private static string NormalizeEmail(string value)
    {
        var trimmed = value.AsSpan().Trim();
        foreach (var c in trimmed)
        {
            if (char.IsUpper(c))
            {
                return trimmed.ToString().ToLowerInvariant();
            }
        }

        return trimmed.Length == value.Length ? value : trimmed.ToString();
    }

    private static bool IsLowerAscii(string text)
    {
        foreach (var c in text)
        {
            if (c is (< 'a' or > 'z') and (< '0' or > '9') and not '_' and not '-' and not '.')
            {
                return false;
            }
        }

        return text.Length > 0;
    }
}

/// <summary>Identifier types with a meaning of their own. Any other lower-case type is accepted too.</summary>
public static class IdentifierTypes
{
    public const string UserId = "user_id";
    public const string AnonymousId = "anonymous_id";
    public const string Email = "email";
    public const string Phone = "phone";
    public const string DeviceId = "device_id";
    public const string CrmId = "crm_id";
}
