using System.Text.Json;

namespace Cdp.Http;

/// <summary>One call of a request that was refused, with why.</summary>
internal sealed record RejectedCall(int Index, string? MessageId, IReadOnlyList<CdpValidationError> Errors);

/// <summary>The calls of a tracking request: those that passed every check, and those that did not.</summary>
internal sealed record ParsedCalls(List<(int Index, CdpEvent Event)> Accepted, List<RejectedCall> Rejected)
{
    /// <summary>The serialized size of the accepted events together.</summary>
    public long AcceptedBytes { get; init; }
}

/// <summary>
/// Reads Segment and RudderStack tracking payloads: one call (<c>/v1/track</c> and its siblings, where the path
/// gives the type) or a batch (<c>{"batch": [...], "context", "integrations", "sentAt"}</c>). Each call of a batch is
/// read and validated on its own, so one bad call does not spoil the rest. Batch-level <c>context</c> and
/// <c>integrations</c> fill in the keys a call does not set itself, and batch-level <c>sentAt</c> applies to calls
/// without their own, as the Segment libraries send it.
/// </summary>
internal static class TrackingPayloads
{
    // The batch envelope is read with a depth bound of its own; each call is then read by CdpJson, whose
    // nesting limit names the field. 64 leaves room for a call that is too deep to be reported as such.
    private static readonly JsonReaderOptions EnvelopeOptions = new() { MaxDepth = 64 };

    /// <summary>One call; the path's type applies when the body names none, and must match when it does.</summary>
    /// <exception cref="CdpValidationException">The call is malformed or breaks a rule.</exception>
    public static CdpEvent ReadCall(ReadOnlySpan<byte> body, EventType pathType, string? source, DateTimeOffset now)
    {
        var evt = CdpJson.DeserializeEvent(body, pathType);
        if (evt.Type != pathType)
        {
            throw new CdpValidationException(new CdpValidationError("type", CdpValidationRule.InvalidFormat,
                $"is '{evt.Type.ToWireName()}', but this path takes '{pathType.ToWireName()}' calls."));
        }

        evt = WithSource(evt, source);
        EventValidator.Validate(evt, now);
        return evt;
    }

    /// <summary>A batch: every call accepted or rejected on its own.</summary>
    /// <exception cref="CdpValidationException">The envelope itself is malformed, has no batch, or too many calls.</exception>
    public static ParsedCalls ReadBatch(ReadOnlyMemory<byte> body, string? source, DateTimeOffset now)
    {
        var (calls, context, integrations, sentAt) = ReadEnvelope(body.Span);
        var accepted = new List<(int, CdpEvent)>(calls.Count);
        var rejected = new List<RejectedCall>();
        long bytes = 0;
        for (var i = 0; i < calls.Count; i++)
        {
            var (start, length) = calls[i];
            var json = body.Span.Slice(start, length);
            if (length > EventLimits.MaxEventBytes)
            {
                rejected.Add(new RejectedCall(i, PeekMessageId(json), [new CdpValidationError("$", CdpValidationRule.TooLarge,
                    $"the call is {length} bytes; a call may be at most {EventLimits.MaxEventBytes} bytes.")]));
                continue;
            }

            CdpEvent? evt = null;
            try
            {
                evt = CdpJson.DeserializeEvent(json);
                evt = WithSource(WithBatchFields(evt, context, integrations, sentAt), source);
                bytes += EventValidator.Validate(evt, now);
                accepted.Add((i, evt));
            }
            catch (CdpValidationException ex)
            {
                rejected.Add(new RejectedCall(i, evt?.MessageId ?? PeekMessageId(json), ex.Errors));
            }
        }

        return new ParsedCalls(accepted, rejected) { AcceptedBytes = bytes };
    }

    private static (List<(int Start, int Length)> Calls, Dictionary<string, CdpValue>? Context,
        Dictionary<string, CdpValue>? Integrations, DateTimeOffset? SentAt) ReadEnvelope(ReadOnlySpan<byte> body)
    {
        List<(int, int)>? calls = null;
        Dictionary<string, CdpValue>? context = null, integrations = null;
        DateTimeOffset? sentAt = null;
        var reader = new Utf8JsonReader(body, EnvelopeOptions);
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                throw Invalid("$", CdpValidationRule.WrongType, "must be a JSON object with a \"batch\" array.");
            }

            while (reader.Read() && reader.TokenType != JsonTokenType.EndObject)
            {
                var field = reader.GetString();
                reader.Read();
                switch (field)
                {
                    case "batch":
                        calls = ReadCallRanges(ref reader);
                        break;
                    case "context":
                        context = ReadObject(ref reader, "context");
                        break;
                    case "integrations":
                        integrations = ReadObject(ref reader, "integrations");
                        break;
                    case "sentAt" when reader.TokenType == JsonTokenType.String:
                        sentAt = reader.TryGetDateTimeOffset(out var date) ? date
                            : throw Invalid("sentAt", CdpValidationRule.InvalidDate, "is not an ISO 8601 date.");
                        break;
                    default:
                        reader.Skip();
                        break;
                }
            }

            if (reader.Read())
            {
                throw Invalid("$", CdpValidationRule.MalformedJson, "Only one JSON object may form the body.");
            }
        }
        catch (JsonException ex)
        {
            throw Invalid("$", CdpValidationRule.MalformedJson, $"is not valid JSON ({ex.Message}).");
        }
        catch (InvalidOperationException ex)
        {
            throw Invalid("$", CdpValidationRule.MalformedJson, $"holds text that is not valid Unicode ({ex.Message}).");
        }

        return (calls ?? throw Invalid("batch", CdpValidationRule.Required, "is required: an array of calls."),
            context, integrations, sentAt);
    }

    private static List<(int, int)> ReadCallRanges(ref Utf8JsonReader reader)
    {
        if (reader.TokenType != JsonTokenType.StartArray)
        {
            throw Invalid("batch", CdpValidationRule.WrongType, "must be an array of calls.");
        }

        var calls = new List<(int, int)>();
        while (reader.Read() && reader.TokenType != JsonTokenType.EndArray)
        {
            if (calls.Count >= EventLimits.MaxBatchEvents)
            {
                throw Invalid("batch", CdpValidationRule.TooMany, $"may hold at most {EventLimits.MaxBatchEvents} calls.");
            }

            var start = (int)reader.TokenStartIndex;
            reader.Skip();
            calls.Add((start, (int)reader.BytesConsumed - start));
        }

        if (calls.Count == 0)
        {
            throw Invalid("batch", CdpValidationRule.Required, "must hold at least one call.");
        }

        return calls;
    }

    private static Dictionary<string, CdpValue>? ReadObject(ref Utf8JsonReader reader, string field)
    {
        if (reader.TokenType == JsonTokenType.Null)
        {
            return null;
        }

        var value = CdpJson.ReadValue(ref reader, field);
        return value.Kind == CdpValueKind.Object
            ? new Dictionary<string, CdpValue>(value.AsObject(), StringComparer.Ordinal)
            : throw Invalid(field, CdpValidationRule.WrongType, "must be a JSON object.");
    }

    private static CdpEvent WithBatchFields(
        CdpEvent evt, Dictionary<string, CdpValue>? context, Dictionary<string, CdpValue>? integrations, DateTimeOffset? sentAt)
    {
        if (context is null && integrations is null && sentAt is null)
        {
            return evt;
        }

        return evt with
        {
            Context = Merge(evt.Context, context),
            Integrations = Merge(evt.Integrations, integrations),
            SentAt = evt.SentAt ?? sentAt,
        };
    }

    // The call's own keys win; the batch's fill in the rest.
    private static Dictionary<string, CdpValue>? Merge(Dictionary<string, CdpValue>? own, Dictionary<string, CdpValue>? batch)
    {
        if (batch is null || batch.Count == 0)
        {
            return own;
        }

        var merged = new Dictionary<string, CdpValue>(batch, StringComparer.Ordinal);
        foreach (var (key, value) in own ?? [])
        {
            merged[key] = value;
        }

        return merged;
    }

    private static CdpEvent WithSource(CdpEvent evt, string? source) =>
        evt.Source is null && source is not null ? evt with { Source = source } : evt;

    // The messageId of a call that could not be read whole, when its top level still shows one.
    private static string? PeekMessageId(ReadOnlySpan<byte> json)
    {
        try
        {
            var reader = new Utf8JsonReader(json, EnvelopeOptions);
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isMessageId = reader.ValueTextEquals("messageId"u8);
                reader.Read();
                if (isMessageId)
                {
                    return reader.TokenType == JsonTokenType.String ? reader.GetString() : null;
                }

                reader.Skip();
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            // Nothing more can be read from it; the call is reported by its index alone.
        }

        return null;
    }

    private static CdpValidationException Invalid(string field, CdpValidationRule rule, string message) =>
        new(new CdpValidationError(field, rule, message));
}
