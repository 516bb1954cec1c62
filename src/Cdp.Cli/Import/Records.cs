using System.Text;
using System.Text.Json;

namespace Cdp.Cli.Import;

/// <summary>
/// One row of input: its line number, its non-empty fields by column name, and its text (which the rejects
/// file shows, and which keys the row when no key column is mapped). <see cref="Error"/> is set when the
/// row cannot be read at all; such a row is rejected.
/// </summary>
internal sealed record ImportRecord(long Line, Dictionary<string, CdpValue> Fields, string Text, string? Error = null);

/// <summary>Reads the rows of a CSV file with a header row.</summary>
internal sealed class CsvRecords
{
    private static readonly char[] LikelyDelimiters = [',', ';', '\t', '|'];

    private readonly CsvReader _csv;
    private readonly List<string> _fields = [];

    public CsvRecords(TextReader reader, char delimiter, string displayName)
    {
        _csv = new CsvReader(reader, delimiter);
        if (!_csv.TryRead(_fields, out var header) || (_fields.Count == 1 && _fields[0].Trim().Length == 0))
        {
            throw new UsageException($"{displayName}: the file is empty; a CSV file needs a header row.");
        }

        if (header.Error is not null)
        {
            throw new UsageException($"{displayName}: the header row cannot be read: {header.Error}");
        }

        Columns = _fields.Select(f => f.Trim()).ToArray();
        if (Columns.Length == 1)
        {
            var other = LikelyDelimiters.Where(d => d != delimiter && Columns[0].Contains(d, StringComparison.Ordinal))
                .OrderByDescending(d => Columns[0].Count(c => c == d)).FirstOrDefault();
            if (other != default)
            {
                throw new UsageException(
                    $"{displayName}: the header row has one column ('{Shorten(Columns[0])}') split by {Name(other)}, " +
                    $"not by {Name(delimiter)}; try --delimiter {Option(other)}.");
            }
        }

        for (var i = 0; i < Columns.Length; i++)
        {
            if (Columns[i].Length == 0)
            {
                throw new UsageException($"{displayName}: column {i + 1} of the header row has no name.");
            }

            var first = Array.IndexOf(Columns, Columns[i]);
            if (first < i)
            {
                throw new UsageException(
                    $"{displayName}: the header row names column '{Columns[i]}' twice (columns {first + 1} and {i + 1}).");
            }
        }

        Delimiter = delimiter;
    }

    public string[] Columns { get; }

    public char Delimiter { get; }

    /// <summary>The rows after the header; blank lines are skipped.</summary>
    public IEnumerable<ImportRecord> Read()
    {
        while (_csv.TryRead(_fields, out var record))
        {
            if (_fields.Count == 1 && _fields[0].Length == 0)
            {
                continue;
            }

            var text = Encode(_fields, Delimiter);
            if (record.Error is not null)
            {
                yield return new ImportRecord(record.Line, [], text, record.Error);
                continue;
            }

            if (_fields.Count != Columns.Length)
            {
                yield return new ImportRecord(record.Line, [], text,
                    $"the row has {_fields.Count} fields; the header has {Columns.Length}.");
                continue;
            }

            var values = new Dictionary<string, CdpValue>(Columns.Length, StringComparer.Ordinal);
            for (var i = 0; i < Columns.Length; i++)
            {
                var value = _fields[i].Trim();
                if (value.Length > 0)
                {
                    values[Columns[i]] = CdpValue.From(value);
                }
            }

            yield return new ImportRecord(record.Line, values, text);
        }
    }

    /// <summary>Writes fields back as one CSV record, quoting only where needed.</summary>
    public static string Encode(IReadOnlyList<string> fields, char delimiter)
    {
        var text = new StringBuilder();
        for (var i = 0; i < fields.Count; i++)
        {
            if (i > 0)
            {
                text.Append(delimiter);
            }

            var field = fields[i];
            if (field.AsSpan().IndexOfAny(['"', '\r', '\n', delimiter]) < 0)
            {
                text.Append(field);
            }
            else
            {
                text.Append('"').Append(field.Replace("\"", "\"\"", StringComparison.Ordinal)).Append('"');
            }
        }

        return text.ToString();
    }

    private static string Name(char delimiter) => delimiter switch
    {
        '\t' => "tabs",
        _ => $"'{delimiter}'",
    };

    private static string Option(char delimiter) => delimiter switch
    {
        '\t' => "tab",
        _ => $"'{delimiter}'",
    };

    private static string Shorten(string text) => text.Length <= 60 ? text : text[..60] + "…";
}

/// <summary>Reads NDJSON records: one JSON object per line; its top-level members are the row's columns.</summary>
internal sealed class NdjsonRecords(TextReader reader)
{
    public IEnumerable<ImportRecord> Read()
    {
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var fields = Parse(text, out var error);
            yield return new ImportRecord(line, fields ?? [], text, error);
        }
    }

    private static Dictionary<string, CdpValue>? Parse(string text, out string? error)
    {
        error = null;
        try
        {
            var bytes = Encoding.UTF8.GetBytes(text);
            var json = new Utf8JsonReader(bytes, new JsonReaderOptions { MaxDepth = EventLimits.MaxNestingDepth + 8 });
            if (!json.Read() || json.TokenType != JsonTokenType.StartObject)
            {
                error = "the line is not a JSON object.";
                return null;
            }

            var value = CdpJson.ReadValue(ref json, "");
            if (json.Read())
            {
                error = "the line holds more than one JSON value.";
                return null;
            }

            var fields = new Dictionary<string, CdpValue>(StringComparer.Ordinal);
            foreach (var (name, member) in value.AsObject())
            {
                if (!member.IsNull && !(member.TryGetString(out var s) && s.Length == 0))
                {
                    fields[name] = member;
                }
            }

            return fields;
        }
        catch (JsonException ex)
        {
            error = $"the line is not valid JSON ({ex.Message}).";
        }
        catch (CdpValidationException ex)
        {
            error = ex.Errors.Count > 0 ? ex.Errors[0].ToString() : ex.Message;
        }
        catch (InvalidOperationException ex)
        {
            error = $"the line holds text that is not valid Unicode ({ex.Message}).";
        }

        return null;
    }
}
