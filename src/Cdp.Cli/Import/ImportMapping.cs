using System.Text.Json;

namespace Cdp.Cli.Import;

/// <summary>A mapping file names a field it does not know, or names it wrongly. <see cref="Field"/> is its path.</summary>
internal sealed class MappingException(string field, string message) : Exception($"{field}: {message}")
{
    public string Field { get; } = field;
}

/// <summary>How the values of a column are typed before they become traits or properties.</summary>
internal enum ColumnType
{
    String,
    Number,
    Boolean,
    Date,
}

/// <summary>A column and the name it takes as a trait, a property or an identifier type.</summary>
internal readonly record struct ColumnTarget(string Column, string Name);

/// <summary>What a track mapping says: the event name, where its time is, which columns are its properties.</summary>
internal sealed record TrackMapping(string Event, string? Timestamp, IReadOnlyList<ColumnTarget>? Properties);

/// <summary>
/// Says how rows become events: which columns are identifiers (and of which type), which are traits, whether rows
/// are track events, which column keys a row, and what the source is called. Read from a JSON file by
/// <see cref="Load"/>; <see cref="Default"/> is what an import without a mapping file uses.
/// </summary>
internal sealed record ImportMapping
{
    private static readonly string[] TopFields = ["source", "key", "identifiers", "traits", "timestamp", "track", "types"];
    private static readonly string[] TrackFields = ["event", "timestamp", "properties"];

    public string? Source { get; init; }

    /// <summary>Columns whose values together identify a row's fact; none means the row's whole text does.</summary>
    public IReadOnlyList<string>? Key { get; init; }

    /// <summary>Identifier columns, each with its identifier type; null means found by column name.</summary>
    public IReadOnlyList<ColumnTarget>? Identifiers { get; init; }

    /// <summary>Trait columns; null means every column that is not an identifier or the timestamp.</summary>
    public IReadOnlyList<ColumnTarget>? Traits { get; init; }

    /// <summary>The column with the event time of identify events (and of track events unless they name their own).</summary>
    public string? Timestamp { get; init; }

    /// <summary>When set, rows become track events; otherwise identify events.</summary>
    public TrackMapping? Track { get; init; }

    public IReadOnlyDictionary<string, ColumnType> Types { get; init; } = new Dictionary<string, ColumnType>();

    public static ImportMapping Default { get; } = new();

    /// <exception cref="MappingException">A field that is unknown, misspelt, of the wrong kind or empty.</exception>
    public static ImportMapping Parse(string json)
    {
        JsonDocument document;
        try
        {
            var options = new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true };
            document = JsonDocument.Parse(json, options);
        }
        catch (JsonException ex)
        {
            throw new MappingException("$", $"is not valid JSON ({ex.Message}).");
        }

        using (document)
        {
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                throw new MappingException("$", "a mapping is a JSON object.");
            }

            CheckFields(root, "", TopFields);
            var track = root.TryGetProperty("track", out var trackElement) ? ReadTrack(trackElement) : null;
            var traits = Targets(root, "traits", "");
            if (track is not null && traits is not null)
            {
                throw new MappingException("traits",
                    "a mapping makes identify events (traits) or track events (track), not both; use two mappings.");
            }

            return new ImportMapping
            {
                Source = String(root, "source", ""),
                Key = ReadKey(root),
                Identifiers = ReadIdentifiers(root),
                Traits = traits,
                Timestamp = String(root, "timestamp", ""),
                Track = track,
                Types = ReadTypes(root),
            };
        }
    }

    /// <exception cref="UsageException">The file is missing.</exception>
    /// <exception cref="MappingException">The mapping is not valid.</exception>
    public static ImportMapping Load(string path, string displayName)
    {
        string json;
        try
        {
            json = File.ReadAllText(path);
        }
        catch (Exception ex) when (ex is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new UsageException($"{displayName}: no such mapping file.");
        }

        return Parse(json);
    }

    /// <summary>Every column the mapping names, with the path of the field that names it.</summary>
    public IEnumerable<(string Field, string Column)> NamedColumns()
    {
        foreach (var column in Key ?? [])
        {
            yield return ("key", column);
        }

        foreach (var id in Identifiers ?? [])
        {
            yield return ($"identifiers.{id.Column}", id.Column);
        }

        foreach (var trait in Traits ?? [])
        {
            yield return ($"traits.{trait.Column}", trait.Column);
        }

        if (Timestamp is not null)
        {
            yield return ("timestamp", Timestamp);
        }

        if (Track?.Timestamp is { } trackTime)
        {
            yield return ("track.timestamp", trackTime);
        }

        foreach (var property in Track?.Properties ?? [])
        {
            yield return ($"track.properties.{property.Column}", property.Column);
        }

        foreach (var column in Types.Keys)
        {
            yield return ($"types.{column}", column);
        }
    }

    private static void CheckFields(JsonElement element, string prefix, string[] known)
    {
        foreach (var property in element.EnumerateObject())
        {
            if (!known.Contains(property.Name, StringComparer.Ordinal))
            {
                var of = prefix.Length == 0 ? "" : " of " + prefix.TrimEnd('.');
                throw new MappingException(prefix + property.Name,
                    $"is not a mapping field; the fields{of} are {string.Join(", ", known)}.");
            }
        }
    }

    private static TrackMapping ReadTrack(JsonElement element)
    {
        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new MappingException("track", "must be an object with event, timestamp and properties.");
        }

        CheckFields(element, "track.", TrackFields);
        var name = String(element, "event", "track.")
            ?? throw new MappingException("track.event", "is required: the name of the track event.");
        return new TrackMapping(name, String(element, "timestamp", "track."), Targets(element, "properties", "track."));
    }

    private static string? String(JsonElement parent, string name, string prefix)
    {
        if (!parent.TryGetProperty(name, out var value) || value.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        return value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(value.GetString())
            ? value.GetString()!.Trim()
            : throw new MappingException(prefix + name, "must be a non-empty string.");
    }

    private static string[]? ReadKey(JsonElement root)
    {
        if (!root.TryGetProperty("key", out var key) || key.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (key.ValueKind == JsonValueKind.String)
        {
            return [String(root, "key", "")!];
        }

        if (key.ValueKind != JsonValueKind.Array || key.GetArrayLength() == 0)
        {
            throw new MappingException("key", "must be a column name or a non-empty list of column names.");
        }

        return key.EnumerateArray().Select((item, i) =>
            item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString())
                ? item.GetString()!.Trim()
                : throw new MappingException($"key[{i}]", "must be a column name.")).ToArray();
    }

    // A list of columns (each keeps its name) or an object of column → name.
    private static ColumnTarget[]? Targets(JsonElement parent, string name, string prefix)
    {
        if (!parent.TryGetProperty(name, out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        var field = prefix + name;
        return element.ValueKind switch
        {
            JsonValueKind.Array => element.EnumerateArray().Select((item, i) =>
                item.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(item.GetString())
                    ? new ColumnTarget(item.GetString()!.Trim(), item.GetString()!.Trim())
                    : throw new MappingException($"{field}[{i}]", "must be a column name.")).ToArray(),
            JsonValueKind.Object => element.EnumerateObject().Select(p =>
                p.Value.ValueKind == JsonValueKind.String && !string.IsNullOrWhiteSpace(p.Value.GetString())
                    ? new ColumnTarget(p.Name.Trim(), p.Value.GetString()!.Trim())
                    : throw new MappingException($"{field}.{p.Name}", "must be the name to give the column's value.")).ToArray(),
            _ => throw new MappingException(field, "must be a list of columns or an object of column → name."),
        };
    }

    private static ColumnTarget[]? ReadIdentifiers(JsonElement root)
    {
        if (!root.TryGetProperty("identifiers", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return null;
        }

        if (element.ValueKind != JsonValueKind.Object || !element.EnumerateObject().Any())
        {
            throw new MappingException("identifiers", "must be an object of column → identifier type, e.g. {\"Email\": \"email\"}.");
        }

        return element.EnumerateObject().Select(p =>
        {
            var type = p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()!.Trim().ToLowerInvariant() : "";
            return IsIdentifierType(type)
                ? new ColumnTarget(p.Name.Trim(), type)
                : throw new MappingException($"identifiers.{p.Name}",
                    "must be an identifier type (email, user_id, crm_id, …): letters, digits, '_', '-' and '.'.");
        }).ToArray();
    }

    private static Dictionary<string, ColumnType> ReadTypes(JsonElement root)
    {
        var types = new Dictionary<string, ColumnType>(StringComparer.Ordinal);
        if (!root.TryGetProperty("types", out var element) || element.ValueKind == JsonValueKind.Null)
        {
            return types;
        }

        if (element.ValueKind != JsonValueKind.Object)
        {
            throw new MappingException("types", "must be an object of column → string, number, boolean or date.");
        }

        foreach (var property in element.EnumerateObject())
        {
            types[property.Name.Trim()] = (property.Value.ValueKind == JsonValueKind.String ? property.Value.GetString() : null) switch
            {
                "string" => ColumnType.String,
                "number" => ColumnType.Number,
                "boolean" => ColumnType.Boolean,
                "date" => ColumnType.Date,
                _ => throw new MappingException($"types.{property.Name}", "must be string, number, boolean or date."),
            };
        }

        return types;
    }

    private static bool IsIdentifierType(string type) =>
        type.Length is > 0 and <= EventLimits.MaxIdentifierTypeLength
        && type.All(c => char.IsAsciiLetterOrDigit(c) || c is '_' or '-' or '.');
}
