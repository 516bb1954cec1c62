using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Cdp.Grains.Segments;

/// <summary>
/// The JSON form of definitions (System.Text.Json, strict): unknown members, missing required members, wrong kinds
/// and integer enums are refused; size and nesting are bounded. The tree's nodes carry a <c>type</c>.
/// </summary>
public static class DefinitionJson
{
    /// <summary>The largest JSON document accepted, in bytes.</summary>
    public const int MaxBytes = 64 * 1024;

    /// <summary>The deepest JSON nesting accepted (a tree of the validator's depth fits well within it).</summary>
    public const int MaxJsonDepth = 48;

    public static JsonSerializerOptions Options { get; } = CreateOptions();

    /// <summary>Reads a definition; the tree is not validated beyond its shape (see <see cref="DefinitionValidator"/>).</summary>
    /// <exception cref="CdpValidationException">
    /// Not JSON, too large or deep, or not a definition's shape; the error names the path.
    /// </exception>
    public static SegmentDefinition Parse(ReadOnlySpan<byte> json)
    {
        if (json.Length > MaxBytes)
        {
            throw new CdpValidationException(new CdpValidationError(
                "$", CdpValidationRule.TooLarge, $"the definition is larger than {MaxBytes} bytes."));
        }

        try
        {
            return JsonSerializer.Deserialize<SegmentDefinition>(json, Options) ?? throw new CdpValidationException(
                new CdpValidationError("$", CdpValidationRule.Required, "the definition is null."));
        }
        catch (JsonException ex)
        {
            var path = ex.Path is { Length: > 1 } p && p.StartsWith("$.", StringComparison.Ordinal) ? p[2..] : ex.Path ?? "$";
            var rule = ex.Message.Contains("depth", StringComparison.OrdinalIgnoreCase) ? CdpValidationRule.TooDeep
                : ex.InnerException is null && ex.Path is not null ? CdpValidationRule.WrongType : CdpValidationRule.MalformedJson;
            throw new CdpValidationException(new CdpValidationError(path, rule, Describe(ex)));
        }
        catch (CdpValidationException ex)
        {
            throw new CdpValidationException(ex.Errors);
        }
    }

    public static SegmentDefinition Parse(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        if (json.Length > MaxBytes)
        {
            throw new CdpValidationException(new CdpValidationError(
                "$", CdpValidationRule.TooLarge, $"the definition is larger than {MaxBytes} bytes."));
        }

        return Parse(Encoding.UTF8.GetBytes(json));
    }

    /// <summary>Reads a condition tree on its own.</summary>
    public static Condition ParseCondition(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        var wrapped = JsonSerializer.Deserialize<Condition>(json, Options);
        return wrapped ?? throw new CdpValidationException(
            new CdpValidationError("$", CdpValidationRule.Required, "the condition is null."));
    }

    public static string Serialize(SegmentDefinition definition) => JsonSerializer.Serialize(definition, Options);

    public static string Serialize(Condition condition) => JsonSerializer.Serialize(condition, Options);

    // The serializer's own messages name .NET types; say what the sender can act on instead.
    private static string Describe(JsonException ex)
    {
        var message = ex.Message;
        if (message.StartsWith("A duration", StringComparison.Ordinal))
        {
            return "is not a duration; write a string such as \"30d\" (s, m, h, d or w).";
        }

        if (message.Contains("could not be mapped", StringComparison.Ordinal))
        {
            return "is not a known member here.";
        }

        if (message.Contains("missing required properties", StringComparison.Ordinal))
        {
            var names = message.IndexOf(": ", StringComparison.Ordinal) is var at and >= 0 ? message[(at + 2)..].TrimEnd('.') : "";
            return $"is missing required members: {names}.";
        }

        if (message.Contains("type discriminator", StringComparison.OrdinalIgnoreCase))
        {
            return "has no known 'type'; the types are trait, event, consent, identifier, member, absence, and, or, not.";
        }

        if (message.Contains("depth", StringComparison.OrdinalIgnoreCase))
        {
            return $"is nested deeper than {MaxJsonDepth} levels.";
        }

        return ex.InnerException is null && ex.Path is not null ? "has a value of the wrong kind." : "is not well-formed JSON.";
    }

    private static JsonSerializerOptions CreateOptions()
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
            AllowOutOfOrderMetadataProperties = true,
            RespectNullableAnnotations = true,
            RespectRequiredConstructorParameters = true,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            MaxDepth = MaxJsonDepth,
            NumberHandling = JsonNumberHandling.Strict,
        };
        options.Converters.Add(new JsonStringEnumConverter(allowIntegerValues: false));
        options.Converters.Add(new DurationConverter());
        options.Converters.Add(new ValueConverter());
        options.MakeReadOnly(populateMissingResolver: true);
        return options;
    }

    private sealed class DurationConverter : JsonConverter<TimeSpan>
    {
        public override TimeSpan Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
        {
            if (reader.TokenType != JsonTokenType.String || !Durations.TryParse(reader.GetString(), out var duration))
            {
                throw new JsonException("A duration is a string such as \"30d\".");
            }

            return duration;
        }

        public override void Write(Utf8JsonWriter writer, TimeSpan value, JsonSerializerOptions options) =>
            writer.WriteStringValue(Durations.Format(value));
    }

    private sealed class ValueConverter : JsonConverter<CdpValue>
    {
        // A JSON null is the value null (as the text form's null), not a missing value.
        public override bool HandleNull => true;

        public override CdpValue Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            CdpJson.ReadValue(ref reader, "value");

        public override void Write(Utf8JsonWriter writer, CdpValue value, JsonSerializerOptions options) =>
            CdpJson.WriteValue(writer, value);
    }
}
