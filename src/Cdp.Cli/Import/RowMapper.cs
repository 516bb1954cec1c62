using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Cdp.Cli.Import;

/// <summary>
/// Turns rows into events by a mapping, checked once against the file's columns. Each row gives one event,
/// or a reason it is rejected; nothing about a rejected row is sent. The event's messageId is derived from
/// the source, the event and the row's key (its key columns, or else its whole text), so importing the same
/// rows again sends the same messageIds, and the platform applies each once.
/// </summary>
internal sealed class RowMapper
{
    private readonly ImportMapping _mapping;
    private readonly IReadOnlyList<ColumnTarget>? _identifiers;
    private readonly HashSet<string> _notTraits;
    private readonly string? _timestamp;
    private readonly string _eventLabel;

    /// <param name="columns">The header's columns, or null for NDJSON, whose rows name their own.</param>
    /// <exception cref="MappingException">The mapping names a column the header does not have.</exception>
    /// <exception cref="UsageException">No mapping, and no column the tool recognises as an identifier.</exception>
    public RowMapper(ImportMapping mapping, string source, IReadOnlyList<string>? columns, string displayName)
    {
        _mapping = mapping;
        Source = source;
        if (columns is not null)
        {
            foreach (var (field, column) in mapping.NamedColumns())
            {
                if (!columns.Contains(column, StringComparer.Ordinal))
                {
                    throw new MappingException(field,
                        $"column '{column}' is not in the header of {displayName}; its columns are {string.Join(", ", columns)}.");
                }
            }
        }

        _identifiers = mapping.Identifiers ?? (columns is null ? null : Detect(columns));
        if (_identifiers is { Count: 0 })
        {
            throw new UsageException(
                $"{displayName}: no column is an identifier (none is named email, user_id, anonymous_id, crm_id or id); " +
                "give a mapping file (--mapping) that names the identifier columns.");
        }

        _timestamp = mapping.Track?.Timestamp ?? mapping.Timestamp;
        _notTraits = NotTraits(_identifiers ?? []);
        _eventLabel = mapping.Track is { } track ? "track\n" + track.Event : "identify";
    }

    public string Source { get; }

    /// <summary>The identifier columns found or mapped; null when each NDJSON row's are found by name.</summary>
    public IReadOnlyList<ColumnTarget>? IdentifierColumns => _identifiers;

    /// <summary>The event for a row, or null with the reason it is rejected.</summary>
    public CdpEvent? Map(ImportRecord record, out string? rejection)
    {
        rejection = record.Error;
        if (rejection is not null)
        {
            return null;
        }

        var fields = record.Fields;
        var identifiers = _identifiers ?? Detect(fields.Keys.ToList());
        string? userId = null, anonymousId = null;
        var others = new List<ExternalId>();
        foreach (var (column, type) in identifiers)
        {
            if (fields.GetValueOrDefault(column) is not { } value)
            {
                continue;
            }

            var text = AsText(value);
            switch (type)
            {
                case IdentifierTypes.UserId: userId ??= text; break;
                case IdentifierTypes.AnonymousId: anonymousId ??= text; break;
                default: others.Add(new ExternalId(type, text)); break;
            }
        }

        if (userId is null && anonymousId is null && others.Count == 0)
        {
            rejection = identifiers.Count == 0
                ? "no identifier: the row has no field named email, user_id, anonymous_id, crm_id or id."
                : $"no identifier: {Describe(identifiers.Select(i => i.Column).ToList())} empty.";
            return null;
        }

        DateTimeOffset? timestamp = null;
        if (_timestamp is not null)
        {
            if (fields.GetValueOrDefault(_timestamp) is not { } time)
            {
                rejection = $"column '{_timestamp}' is empty; it holds the event time.";
                return null;
            }

            if (!time.TryGetString(out var timeText) || !Dates.TryParse(timeText, out var parsed))
            {
                rejection = $"column '{_timestamp}': {Quote(time)} is not a date; {Dates.Expected}.";
                return null;
            }

            timestamp = parsed;
        }

        var key = Key(record, out rejection);
        if (key is null)
        {
            return null;
        }

        var skip = _identifiers is null ? NotTraits(identifiers) : _notTraits;
        var values = Values(fields, _mapping.Track is null ? _mapping.Traits : _mapping.Track.Properties, skip, out rejection);
        if (values is null)
        {
            return null;
        }

        return new CdpEvent
        {
            Type = _mapping.Track is null ? EventType.Identify : EventType.Track,
            MessageId = MessageId(key),
            UserId = userId,
            AnonymousId = anonymousId,
            Identifiers = others.Count == 0 ? null : [.. others],
            Timestamp = timestamp,
            Event = _mapping.Track?.Event,
            Traits = _mapping.Track is null ? values : null,
            Properties = _mapping.Track is null ? null : values,
            Source = Source,
        };
    }

    /// <summary>Identifier columns by name, for imports without a mapping.</summary>
    public static ColumnTarget[] Detect(IReadOnlyList<string> columns)
    {
        var found = new List<ColumnTarget>();
        foreach (var column in columns)
        {
            var type = Squash(column) switch
            {
                "email" or "emailaddress" => IdentifierTypes.Email,
                "userid" => IdentifierTypes.UserId,
                "anonymousid" => IdentifierTypes.AnonymousId,
                "crmid" or "id" or "contactid" => IdentifierTypes.CrmId,
                _ => null,
            };
            if (type is not null && !found.Exists(f => f.Name == type))
            {
                found.Add(new ColumnTarget(column, type));
            }
        }

        return [.. found];
    }

    // The columns that "every other column" leaves out: identifiers and the event time. The email column of an
    // import without a mapping stays a trait too, since Segment reserves email as a trait as well.
    private HashSet<string> NotTraits(IReadOnlyList<ColumnTarget> identifiers)
    {
        var set = new HashSet<string>(StringComparer.Ordinal);
        foreach (var id in identifiers)
        {
            if (id.Name != IdentifierTypes.Email || _mapping.Identifiers is not null)
            {
                set.Add(id.Column);
            }
        }

        if (_timestamp is not null)
        {
            set.Add(_timestamp);
        }

        return set;
    }

    private string? Key(ImportRecord record, out string? rejection)
    {
        rejection = null;
        if (_mapping.Key is not { } columns)
        {
            return "row\n" + record.Text;
        }

        var key = new StringBuilder("key");
        foreach (var column in columns)
        {
            if (record.Fields.GetValueOrDefault(column) is not { } value)
            {
                rejection = $"key column '{column}' is empty.";
                return null;
            }

            key.Append('\n').Append(AsText(value));
        }

        return key.ToString();
    }

    private string MessageId(string key)
    {
        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(string.Concat(Source, "\n", _eventLabel, "\n", key)));
        return "import-" + System.Convert.ToHexStringLower(digest.AsSpan(0, 20));
    }

    private Dictionary<string, CdpValue>? Values(
        Dictionary<string, CdpValue> fields, IReadOnlyList<ColumnTarget>? targets, HashSet<string> skip, out string? rejection)
    {
        rejection = null;
        var values = new Dictionary<string, CdpValue>(StringComparer.Ordinal);
        if (targets is null)
        {
            foreach (var (column, value) in fields)
            {
                if (!skip.Contains(column))
                {
                    values[column] = Convert(column, value, ref rejection);
                }
            }
        }
        else
        {
            foreach (var (column, name) in targets)
            {
                if (fields.GetValueOrDefault(column) is { } value)
                {
                    values[name] = Convert(column, value, ref rejection);
                }
            }
        }

        return rejection is null ? values : null;
    }

    private CdpValue Convert(string column, CdpValue value, ref string? rejection)
    {
        if (!_mapping.Types.TryGetValue(column, out var type) || !value.TryGetString(out var text))
        {
            return value;
        }

        switch (type)
        {
            case ColumnType.Number when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var number)
                && double.IsFinite(number):
                return CdpValue.From(number);
            case ColumnType.Boolean when ParseBoolean(text) is { } flag:
                return CdpValue.From(flag);
            case ColumnType.Date when Dates.TryParse(text, out var date):
                return CdpValue.From(date.ToString("O", CultureInfo.InvariantCulture));
            case ColumnType.String:
                return value;
            default:
                rejection ??= $"column '{column}': {Quote(value)} is not {type switch
                {
                    ColumnType.Number => "a number",
                    ColumnType.Boolean => "a boolean (true/false, yes/no, 1/0)",
                    _ => "a date; " + Dates.Expected,
                }}.";
                return value;
        }
    }

    private static bool? ParseBoolean(string text) => text.ToUpperInvariant() switch
    {
        "TRUE" or "YES" or "Y" or "1" => true,
        "FALSE" or "NO" or "N" or "0" => false,
        _ => null,
    };

    private static string AsText(CdpValue value) => value.Kind switch
    {
        CdpValueKind.String => value.AsString(),
        CdpValueKind.Number => value.AsNumber().ToString("R", CultureInfo.InvariantCulture),
        _ => value.ToString(),
    };

    private static string Quote(CdpValue value)
    {
        var text = AsText(value);
        return "'" + (text.Length <= 40 ? text : text[..40] + "…") + "'";
    }

    private static string Describe(List<string> columns) => columns.Count == 1
        ? $"column '{columns[0]}' is"
        : $"columns {string.Join(", ", columns.Select(c => $"'{c}'"))} are";

    private static string Squash(string name) =>
        string.Concat(name.Where(c => c is not (' ' or '_' or '-' or '.'))).ToLowerInvariant();
}

/// <summary>The dates the import accepts: ISO 8601, with or without a time and an offset (UTC when none).</summary>
internal static class Dates
{
    public const string Expected = "use ISO 8601, e.g. 2024-05-17 or 2024-05-17T14:30:00Z";

    private static readonly string[] Formats = BuildFormats();

    public static bool TryParse(string text, out DateTimeOffset date) =>
        DateTimeOffset.TryParseExact(text.Trim(), Formats, CultureInfo.InvariantCulture,
            DateTimeStyles.AssumeUniversal | DateTimeStyles.AdjustToUniversal, out date);

    private static string[] BuildFormats()
    {
        var formats = new List<string> { "yyyy-MM-dd" };
        foreach (var separator in new[] { "T", " " })
        {
            foreach (var time in new[] { "HH:mm", "HH:mm:ss", "HH:mm:ss.FFFFFFF" })
            {
                foreach (var zone in new[] { "", "K", "zzz", "'Z'" })
                {
                    formats.Add($"yyyy-MM-dd'{separator}'{time}{zone}");
                }
            }
        }

        return [.. formats];
    }
}
