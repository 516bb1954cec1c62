using System.Text;

namespace Cdp;

/// <summary>
/// Checks events against <see cref="EventLimits"/> and the rules of the tracking spec. The SDK runs it
/// before sending, and the silo again before changing anything, since other callers reach the silo too.
/// </summary>
public static class EventValidator
{
    /// <summary>Throws when the event breaks a rule; returns its serialized size otherwise.</summary>
    /// <exception cref="CdpValidationException">Every rule the event breaks.</exception>
    public static int Validate(CdpEvent evt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(evt);
        List<CdpValidationError>? errors = null;
        var size = Check(evt, now, null, ref errors);
        return errors is null ? size : throw new CdpValidationException(errors);
    }

    /// <summary>Validates a batch as a whole: every event, the event count and the total size.</summary>
    /// <exception cref="CdpValidationException">Every rule broken, each naming its event's index.</exception>
    public static void ValidateBatch(IReadOnlyList<CdpEvent> events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(events);
        List<CdpValidationError>? errors = null;
        if (events.Count == 0)
        {
            Add(ref errors, "events", CdpValidationRule.Required, "must hold at least one event.", null);
        }
        else if (events.Count > EventLimits.MaxBatchEvents)
        {
            Add(ref errors, "events", CdpValidationRule.TooMany,
                $"holds {events.Count} events; a batch may hold at most {EventLimits.MaxBatchEvents}.", null);
            throw new CdpValidationException(errors!);
        }

        long total = 0;
        for (var i = 0; i < events.Count; i++)
        {
            if (events[i] is not { } evt)
            {
                Add(ref errors, "$", CdpValidationRule.Required, "is null.", i);
                continue;
            }

            total += Check(evt, now, i, ref errors);
        }

        if (total > EventLimits.MaxBatchBytes)
        {
            Add(ref errors, "events", CdpValidationRule.TooLarge,
                $"serializes to {total} bytes; a batch may be at most {EventLimits.MaxBatchBytes} bytes.", null);
        }

        if (errors is not null)
        {
            throw new CdpValidationException(errors);
        }
    }

    private static int Check(CdpEvent evt, DateTimeOffset now, int? index, ref List<CdpValidationError>? errors)
    {
        var before = errors?.Count ?? 0;
        if (!Enum.IsDefined(evt.Type))
        {
            Add(ref errors, "type", CdpValidationRule.UnknownType,
                "must be one of identify, track, page, screen, group, alias.", index);
        }

        CheckName(evt.MessageId, "messageId", required: false, index, ref errors);
        CheckName(evt.Source, "source", required: false, index, ref errors);
        CheckName(evt.Name, "name", required: false, index, ref errors);
        CheckName(evt.Event, "event", required: evt.Type == EventType.Track, index, ref errors);
        CheckId(evt.GroupId, "groupId", required: evt.Type == EventType.Group, index, ref errors);
        CheckId(evt.PreviousId, "previousId", required: evt.Type == EventType.Alias, index, ref errors);
        CheckId(evt.UserId, "userId", required: evt.Type == EventType.Alias, index, ref errors);
        CheckId(evt.AnonymousId, "anonymousId", required: false, index, ref errors);

        // Routing adds the email trait of an identify call and the previousId of an alias to the identifiers,
        // so they count here, and meet the same rules: the routed form of an accepted event must be valid too.
        var email = EmailTrait(evt);
        if (email is not null)
        {
            CheckId(email, "traits.email", required: false, index, ref errors);
        }

        var identifierCount = (evt.UserId is null ? 0 : 1) + (evt.AnonymousId is null ? 0 : 1)
            + (evt.Type == EventType.Alias && evt.PreviousId is not null ? 1 : 0)
            + (email is null ? 0 : 1);
        if (evt.Identifiers is { } identifiers)
        {
            identifierCount += identifiers.Length;
            for (var i = 0; i < identifiers.Length && i < EventLimits.MaxIdentifiersPerEvent; i++)
            {
                var path = $"identifiers[{i}]";
                CheckIdentifierType(identifiers[i].Type, path + ".type", index, ref errors);
                CheckId(identifiers[i].Value, path + ".value", required: true, index, ref errors);
            }
        }

        if (identifierCount == 0)
        {
            Add(ref errors, "userId", CdpValidationRule.Required,
                "an event needs at least one identifier: userId, anonymousId or an entry in identifiers.", index);
        }
        else if (identifierCount > EventLimits.MaxIdentifiersPerEvent)
        {
            Add(ref errors, "identifiers", CdpValidationRule.TooMany,
                $"an event may carry at most {EventLimits.MaxIdentifiersPerEvent} identifiers.", index);
        }

        CheckDate(evt.Timestamp, "timestamp", now, index, ref errors);
        CheckDate(evt.SentAt, "sentAt", now, index, ref errors);

        var deepEnough = CheckValues(evt.Traits, "traits", index, ref errors)
            & CheckValues(evt.Properties, "properties", index, ref errors)
            & CheckValues(evt.Context, "context", index, ref errors)
            & CheckValues(evt.Integrations, "integrations", index, ref errors);

        // Serialization recurses, so measure only an event whose nesting is known to be bounded.
        if (!deepEnough || (errors?.Count ?? 0) > before)
        {
            return 0;
        }

        var size = CdpJson.MeasureBytes(evt);
        if (size > EventLimits.MaxEventBytes)
        {
            Add(ref errors, "$", CdpValidationRule.TooLarge,
                $"the event serializes to {size} bytes; an event may be at most {EventLimits.MaxEventBytes} bytes.", index);
        }

        return size;
    }

    private static void CheckName(string? value, string field, bool required, int? index, ref List<CdpValidationError>? errors)
    {
        if (value is null || value.Length == 0 || string.IsNullOrWhiteSpace(value))
        {
            if (required || value is not null)
            {
                Add(ref errors, field, CdpValidationRule.Required, "must not be empty.", index);
            }
        }
        else if (value.Length > EventLimits.MaxNameLength)
        {
            Add(ref errors, field, CdpValidationRule.TooLong,
                $"is {value.Length} characters; at most {EventLimits.MaxNameLength} are allowed.", index);
        }
        else
        {
            CheckText(value, field, index, ref errors);
        }
    }

    private static void CheckId(string? value, string field, bool required, int? index, ref List<CdpValidationError>? errors)
    {
        if (value is null)
        {
            if (required)
            {
                Add(ref errors, field, CdpValidationRule.Required, "is required.", index);
            }

            return;
        }

        if (string.IsNullOrWhiteSpace(value))
        {
            Add(ref errors, field, CdpValidationRule.Required, "an identifier must not be empty.", index);
        }
        else if (value.Length > EventLimits.MaxIdentifierBytes / 3 && Encoding.UTF8.GetByteCount(value) > EventLimits.MaxIdentifierBytes)
        {
            Add(ref errors, field, CdpValidationRule.TooLong,
                $"an identifier may be at most {EventLimits.MaxIdentifierBytes} bytes of UTF-8.", index);
        }
        else
        {
            CheckText(value, field, index, ref errors);
        }
    }

    /// <summary>
    /// The email trait of an identify call that routing treats as an identifier: a string that is not blank.
    /// </summary>
    public static string? EmailTrait(CdpEvent evt) =>
        evt.Type == EventType.Identify && evt.Traits?.GetValueOrDefault("email") is { } value &&
        value.TryGetString(out var email) && !string.IsNullOrWhiteSpace(email)
            ? email
            : null;

    private static void CheckDate(DateTimeOffset? value, string field, DateTimeOffset now, int? index, ref List<CdpValidationError>? errors)
    {
        if (value is { } date && (date < EventLimits.MinTimestamp || date > now + EventLimits.MaxFutureSkew))
        {
            Add(ref errors, field, CdpValidationRule.InvalidDate,
                $"must lie between {EventLimits.MinTimestamp:yyyy-MM-dd} and 24 hours from now.", index);
        }
    }

    private static void CheckText(string value, string field, int? index, ref List<CdpValidationError>? errors)
    {
        if (HasLoneSurrogate(value))
        {
            Add(ref errors, field, CdpValidationRule.InvalidFormat, LoneSurrogateMessage, index);
        }
    }

    private const string LoneSurrogateMessage = "holds an unpaired UTF-16 surrogate, which has no UTF-8 form.";

    // JSON stores text as UTF-8, where half of a surrogate pair cannot be written: it would come back changed.
    internal static bool HasLoneSurrogate(string text)
    {
        var span = text.AsSpan();
        var i = span.IndexOfAnyInRange('\uD800', '\uDFFF');
        if (i < 0)
        {
            return false;
        }

        for (; i < span.Length; i++)
        {
            if (char.IsHighSurrogate(span[i]) && i + 1 < span.Length && char.IsLowSurrogate(span[i + 1]))
            {
                i++;
            }
            else if (char.IsSurrogate(span[i]))
            {
                return true;
            }
        }

        return false;
    }

    private static void CheckIdentifierType(string? type, string field, int? index, ref List<CdpValidationError>? errors)
    {
        var trimmed = type.AsSpan().Trim();
        if (trimmed.IsEmpty)
        {
            Add(ref errors, field, CdpValidationRule.Required, "an identifier type must not be empty.", index);
            return;
        }

        if (trimmed.Length > EventLimits.MaxIdentifierTypeLength)
        {
            Add(ref errors, field, CdpValidationRule.TooLong,
                $"an identifier type may be at most {EventLimits.MaxIdentifierTypeLength} characters.", index);
            return;
        }

        foreach (var c in trimmed)
        {
            if (!(char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.'))
            {
                Add(ref errors, field, CdpValidationRule.InvalidFormat,
                    "an identifier type may hold only letters, digits, '_', '-' and '.'.", index);
                return;
            }
        }
    }

    private static bool CheckValues(Dictionary<string, CdpValue>? fields, string field, int? index, ref List<CdpValidationError>? errors)
    {
        if (fields is null)
        {
            return true;
        }

        foreach (var (key, value) in fields)
        {
            var (problem, rule) = HasLoneSurrogate(key) ? ("", CdpValidationRule.InvalidFormat) : FindProblem(value, 1);
            if (problem is null)
            {
                continue;
            }

            Add(ref errors, $"{field}.{key}{problem}", rule, rule switch
            {
                CdpValidationRule.TooDeep => $"nests objects or arrays deeper than {EventLimits.MaxNestingDepth} levels.",
                CdpValidationRule.WrongType => "is a null reference; use CdpValue.Null for a JSON null.",
                _ => LoneSurrogateMessage,
            }, index);

            // Too deep or broken to serialize safely; stop before the size check walks it.
            if (rule != CdpValidationRule.InvalidFormat)
            {
                return false;
            }
        }

        return true;
    }

    // The first part of a value that breaks a rule, as a path relative to the value ("" for the value
    // itself, ".a[2]" below it), or null when the value is sound. Paths are built only for a problem.
    private static (string? Path, CdpValidationRule Rule) FindProblem(CdpValue? value, int depth)
    {
        switch (value?.Kind)
        {
            case null:
                return ("", CdpValidationRule.WrongType);
            case CdpValueKind.String:
                return HasLoneSurrogate(value.AsString()) ? ("", CdpValidationRule.InvalidFormat) : default;
            case CdpValueKind.Array or CdpValueKind.Object when depth > EventLimits.MaxNestingDepth:
                return ("", CdpValidationRule.TooDeep);
            case CdpValueKind.Array:
                var items = value.AsArray();
                for (var i = 0; i < items.Count; i++)
                {
                    if (FindProblem(items[i], depth + 1) is ({ } problem, var rule))
                    {
                        return ($"[{i}]{problem}", rule);
                    }
                }

                return default;
            case CdpValueKind.Object:
                foreach (var (key, member) in value.AsObject())
                {
                    if (HasLoneSurrogate(key))
                    {
                        return ("." + key, CdpValidationRule.InvalidFormat);
                    }

                    if (FindProblem(member, depth + 1) is ({ } problem, var rule))
                    {
                        return ($".{key}{problem}", rule);
                    }
                }

                return default;
            default:
                return default;
        }
    }

    private static void Add(ref List<CdpValidationError>? errors, string field, CdpValidationRule rule, string message, int? index) =>
        (errors ??= []).Add(new CdpValidationError(field, rule, message) { EventIndex = index });
}
