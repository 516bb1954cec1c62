using System.Buffers;
using System.Globalization;
using System.Text.Json;

namespace Cdp;

/// <summary>
/// The JSON form of events and values, with Segment's field names. Reading is strict and bounded: any
/// problem becomes a <see cref="CdpValidationException"/> that names the field and the rule.
/// </summary>
public static class CdpJson
{
    private static readonly JsonWriterOptions WriterOptions = new() { SkipValidation = true };

    // The reader's own limit sits above ours, so that our check (which names the field) fires first.
    private static readonly JsonReaderOptions ReaderOptions = new() { MaxDepth = EventLimits.MaxNestingDepth + 8 };

    [ThreadStatic] private static ArrayBufferWriter<byte>? t_buffer;
    [ThreadStatic] private static Utf8JsonWriter? t_writer;

    /// <summary>Serializes an event to UTF-8 JSON.</summary>
    public static byte[] Serialize(CdpEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var (buffer, writer) = RentWriter();
        WriteEvent(writer, evt);
        writer.Flush();
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The size in bytes of the event's JSON form, without keeping the JSON.</summary>
    public static int MeasureBytes(CdpEvent evt)
    {
        ArgumentNullException.ThrowIfNull(evt);
        var (buffer, writer) = RentWriter();
        WriteEvent(writer, evt);
        writer.Flush();
        return buffer.WrittenCount;
    }

    public static string ToJson(CdpValue value)
    {
        ArgumentNullException.ThrowIfNull(value);
        var (buffer, writer) = RentWriter();
        WriteValue(writer, value);
        writer.Flush();
        return System.Text.Encoding.UTF8.GetString(buffer.WrittenSpan);
    }

    public static void WriteEvent(Utf8JsonWriter writer, CdpEvent evt)
    {
        writer.WriteStartObject();
        writer.WriteString("type", evt.Type.ToWireName());
        WriteIfSet(writer, "messageId", evt.MessageId);
        WriteIfSet(writer, "userId", evt.UserId);
        WriteIfSet(writer, "anonymousId", evt.AnonymousId);
        WriteIfSet(writer, "event", evt.Event);
        WriteIfSet(writer, "name", evt.Name);
        WriteIfSet(writer, "groupId", evt.GroupId);
        WriteIfSet(writer, "previousId", evt.PreviousId);
        WriteIfSet(writer, "source", evt.Source);
        WriteIfSet(writer, "timestamp", evt.Timestamp);
        WriteIfSet(writer, "sentAt", evt.SentAt);
        WriteIfSet(writer, "receivedAt", evt.ReceivedAt);
        if (evt.Identifiers is { } identifiers)
        {
            writer.WriteStartArray("identifiers");
            foreach (var id in identifiers)
            {
                writer.WriteStartObject();
                writer.WriteString("type", id.Type);
                writer.WriteString("value", id.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        WriteIfSet(writer, "traits", evt.Traits);
        WriteIfSet(writer, "properties", evt.Properties);
        WriteIfSet(writer, "context", evt.Context);
        WriteIfSet(writer, "integrations", evt.Integrations);
        writer.WriteEndObject();
    }

    public static void WriteValue(Utf8JsonWriter writer, CdpValue value)
    {
        switch (value.Kind)
        {
            case CdpValueKind.Null:
                writer.WriteNullValue();
                break;
            case CdpValueKind.Boolean:
                writer.WriteBooleanValue(value.AsBoolean());
                break;
            case CdpValueKind.Number:
                writer.WriteNumberValue(value.AsNumber());
                break;
            case CdpValueKind.String:
                writer.WriteStringValue(value.AsString());
                break;
            case CdpValueKind.Array:
                writer.WriteStartArray();
                foreach (var item in value.AsArray())
                {
                    WriteValue(writer, item);
                }

                writer.WriteEndArray();
                break;
            default:
                WriteObject(writer, value.AsObject());
                break;
        }
    }

    /// <summary>
    /// Reads one event. Unknown top-level fields are ignored, as the Segment API does. An event without a
    /// <c>type</c> takes <paramref name="impliedType"/> when one is given (the Segment HTTP API's
    /// <c>/v1/track</c> and its siblings imply the type by their path).
    /// </summary>
    /// <exception cref="CdpValidationException">The JSON is malformed, or a field has the wrong type or form.</exception>
    public static CdpEvent DeserializeEvent(ReadOnlySpan<byte> json, EventType? impliedType = null)
    {
        var reader = new Utf8JsonReader(json, ReaderOptions);
        try
        {
            Next(ref reader, "");
            var evt = ReadEvent(ref reader, impliedType);
            if (reader.Read())
            {
                throw Invalid("", CdpValidationRule.MalformedJson, "Only one JSON object may follow the event.");
            }

            return evt;
        }
        catch (JsonException ex)
        {
            throw Invalid("", CdpValidationRule.MalformedJson, $"is not valid JSON ({ex.Message}).");
        }
        catch (InvalidOperationException ex)
        {
            // The reader decodes strings lazily: invalid UTF-8 or an escaped lone surrogate surfaces here.
            throw Invalid("", CdpValidationRule.MalformedJson, $"holds text that is not valid Unicode ({ex.Message}).");
        }
    }

    /// <summary>Reads one event from a reader positioned on its start-object token.</summary>
    public static CdpEvent ReadEvent(ref Utf8JsonReader reader, EventType? impliedType = null)
    {
        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid("", CdpValidationRule.WrongType, "An event must be a JSON object.");
        }

        EventType? type = null;
        string? messageId = null, userId = null, anonymousId = null, eventName = null, name = null;
        string? groupId = null, previousId = null, source = null;
        DateTimeOffset? timestamp = null, originalTimestamp = null, sentAt = null, receivedAt = null;
        ExternalId[]? identifiers = null;
        Dictionary<string, CdpValue>? traits = null, properties = null, context = null, integrations = null;

        while (true)
        {
            Next(ref reader, "");
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                break;
            }

            var field = reader.GetString()!;
            Next(ref reader, field);
            switch (field)
            {
                case "type":
                    var typeName = ReadString(ref reader, field);
                    type = typeName is not null && EventTypeNames.TryParse(typeName, out var parsed)
                        ? parsed
                        : throw Invalid(field, CdpValidationRule.UnknownType,
                            "must be one of identify, track, page, screen, group, alias.");
                    break;
                case "messageId": messageId = ReadString(ref reader, field); break;
                case "userId": userId = ReadId(ref reader, field); break;
                case "anonymousId": anonymousId = ReadId(ref reader, field); break;
                case "event": eventName = ReadString(ref reader, field); break;
                case "name": name = ReadString(ref reader, field); break;
                case "groupId": groupId = ReadId(ref reader, field); break;
                case "previousId": previousId = ReadId(ref reader, field); break;
                case "source": source = ReadString(ref reader, field); break;
                case "timestamp": timestamp = ReadDate(ref reader, field); break;
                case "originalTimestamp": originalTimestamp = ReadDate(ref reader, field); break;
                case "sentAt": sentAt = ReadDate(ref reader, field); break;
                case "receivedAt": receivedAt = ReadDate(ref reader, field); break;
                case "identifiers": identifiers = ReadIdentifiers(ref reader); break;
                case "traits": traits = ReadObjectOrNull(ref reader, field); break;
                case "properties": properties = ReadObjectOrNull(ref reader, field); break;
                case "context": context = ReadObjectOrNull(ref reader, field); break;
                case "integrations": integrations = ReadObjectOrNull(ref reader, field); break;
                default: reader.Skip(); break;
            }
        }

        return new CdpEvent
        {
            Type = type ?? impliedType ?? throw Invalid("type", CdpValidationRule.Required, "is required."),
            MessageId = messageId,
            UserId = userId,
            AnonymousId = anonymousId,
            Identifiers = identifiers,
            Timestamp = timestamp ?? originalTimestamp,
            SentAt = sentAt,
            ReceivedAt = receivedAt,
            Event = eventName,
            Name = name,
            GroupId = groupId,
            PreviousId = previousId,
            Traits = traits,
            Properties = properties,
            Context = context,
            Integrations = integrations,
            Source = source,
        };
    }

    /// <summary>Reads any JSON value; <paramref name="path"/> names it in errors.</summary>
    public static CdpValue ReadValue(ref Utf8JsonReader reader, string path, int depth = 0)
    {
        switch (reader.TokenType)
        {
            case JsonTokenType.Null:
                return CdpValue.Null;
            case JsonTokenType.True:
                return CdpValue.True;
            case JsonTokenType.False:
                return CdpValue.False;
            case JsonTokenType.String:
                return CdpValue.From(reader.GetString());
            case JsonTokenType.Number:
                return reader.TryGetDouble(out var number) && double.IsFinite(number)
                    ? CdpValue.From(number)
                    : throw Invalid(path, CdpValidationRule.InvalidFormat, "is a number outside the range of a double.");
            case JsonTokenType.StartArray:
                CheckDepth(path, depth + 1);
                var items = new List<CdpValue>();
                while (true)
                {
                    Next(ref reader, path);
                    if (reader.TokenType == JsonTokenType.EndArray)
                    {
                        return CdpValue.Array([.. items]);
                    }

                    items.Add(ReadValue(ref reader, $"{path}[{items.Count}]", depth + 1));
                }

            case JsonTokenType.StartObject:
                CheckDepth(path, depth + 1);
                return CdpValue.Object(ReadMembers(ref reader, path, depth + 1));
            default:
                throw Invalid(path, CdpValidationRule.MalformedJson, "is not a JSON value.");
        }
    }

    private static Dictionary<string, CdpValue>? ReadObjectOrNull(ref Utf8JsonReader reader, string path)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartObject)
        {
            throw Invalid(path, CdpValidationRule.WrongType, "must be a JSON object.");
        }

        return ReadMembers(ref reader, path, 0);
    }

    private static Dictionary<string, CdpValue> ReadMembers(ref Utf8JsonReader reader, string path, int depth)
    {
        var members = new Dictionary<string, CdpValue>(StringComparer.Ordinal);
        while (true)
        {
            Next(ref reader, path);
            if (reader.TokenType == JsonTokenType.EndObject)
            {
                return members;
            }

            var key = reader.GetString()!;
            var memberPath = path.Length == 0 ? key : $"{path}.{key}";
            Next(ref reader, memberPath);
            members[key] = ReadValue(ref reader, memberPath, depth);
        }
    }

    private static ExternalId[]? ReadIdentifiers(ref Utf8JsonReader reader)
    {
        const string Field = "identifiers";
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid(Field, CdpValidationRule.WrongType, "must be an array of {\"type\", \"value\"} objects.");
        }

        var list = new List<ExternalId>();
        while (true)
        {
            Next(ref reader, Field);
            if (reader.TokenType == JsonTokenType.EndArray)
            {
                return [.. list];
            }

            var path = $"{Field}[{list.Count}]";
            if (list.Count >= EventLimits.MaxIdentifiersPerEvent)
            {
                throw Invalid(Field, CdpValidationRule.TooMany,
                    $"may hold at most {EventLimits.MaxIdentifiersPerEvent} identifiers.");
            }

            if (reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid(path, CdpValidationRule.WrongType, "must be an object with \"type\" and \"value\".");
            }

            string? type = null, value = null;
            while (true)
            {
                Next(ref reader, path);
                if (reader.TokenType == JsonTokenType.EndObject)
                {
                    break;
                }

                var member = reader.GetString();
                Next(ref reader, path);
                switch (member)
                {
                    case "type": type = ReadString(ref reader, path + ".type"); break;
                    case "value": value = ReadId(ref reader, path + ".value"); break;
                    default: reader.Skip(); break;
                }
            }

            list.Add(new ExternalId(
                type ?? throw Invalid(path + ".type", CdpValidationRule.Required, "is required."),
                value ?? throw Invalid(path + ".value", CdpValidationRule.Required, "is required.")));
        }
    }

    private static string? ReadString(ref Utf8JsonReader reader, string path) => reader.TokenType switch
    {
        JsonTokenType.String => reader.GetString(),
        JsonTokenType.Null => null,
        _ => throw Invalid(path, CdpValidationRule.WrongType, "must be a string."),
    };

    // Segment's libraries accept numeric user ids and send them as JSON numbers; they are kept as text.
    private static string? ReadId(ref Utf8JsonReader reader, string path) => reader.TokenType switch
    {
        JsonTokenType.Number => System.Text.Encoding.UTF8.GetString(reader.ValueSpan),
        _ => ReadString(ref reader, path),
    };

    private static DateTimeOffset? ReadDate(ref Utf8JsonReader reader, string path)
    {
        var text = ReadString(ref reader, path);
        if (text is null)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var date)
            ? date
            : throw Invalid(path, CdpValidationRule.InvalidDate, $"'{Truncate(text)}' is not an ISO 8601 date.");
    }

    private static void Next(ref Utf8JsonReader reader, string path)
    {
        if (!reader.Read())
        {
            throw Invalid(path, CdpValidationRule.MalformedJson, "ends before the JSON is complete.");
        }
    }

    private static void CheckDepth(string path, int depth)
    {
        if (depth > EventLimits.MaxNestingDepth)
        {
            throw Invalid(path, CdpValidationRule.TooDeep,
                $"nests objects or arrays deeper than {EventLimits.MaxNestingDepth} levels.");
        }
    }

    private static CdpValidationException Invalid(string field, CdpValidationRule rule, string message) =>
        new(new CdpValidationError(field.Length == 0 ? "$" : field, rule, message));

    private static string Truncate(string text) => text.Length <= 40 ? text : text[..40] + "…";

    private static void WriteIfSet(Utf8JsonWriter writer, string name, string? value)
    {
        if (value is not null)
        {
            writer.WriteString(name, value);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            writer.WriteString(name, date);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter writer, string name, Dictionary<string, CdpValue>? value)
    {
        if (value is not null)
        {
            writer.WritePropertyName(name);
            WriteObject(writer, value);
        }
    }

    private static void WriteObject(Utf8JsonWriter writer, IReadOnlyDictionary<string, CdpValue> fields)
    {
        writer.WriteStartObject();
        foreach (var (key, value) in fields)
        {
            writer.WritePropertyName(key);
            WriteValue(writer, value);
        }

        writer.WriteEndObject();
    }

    private static (ArrayBufferWriter<byte> Buffer, Utf8JsonWriter Writer) RentWriter()
    {
        var buffer = t_buffer ??= new ArrayBufferWriter<byte>(4096);
        buffer.ResetWrittenCount();
        var writer = t_writer ??= new Utf8JsonWriter(buffer, WriterOptions);
        writer.Reset(buffer);
        return (buffer, writer);
    }
}
