using System.Text;
using Cdp.Cli.Import;

namespace Cdp.Cli.Commands;

/// <summary><c>cdp import FILE</c>: CSV or NDJSON rows (gzip too) to events, by a mapping or by the defaults.</summary>
internal static class ImportCommand
{
    public const string Usage = """
        Usage: cdp import FILE [options]

        Imports a CSV file (with a header row) or an NDJSON file of records, plain or gzip, as events.
        Without --mapping, a column named email, user_id, anonymous_id, crm_id or id is an identifier and
        every other column a trait, and each row an identify event.

        Options:
          --mapping FILE      JSON mapping: identifiers, traits, track events, key, timestamp, types, source
          --source NAME       the source recorded on the events (default: the mapping's, else 'import')
          --format FORMAT     csv or ndjson (default: from the file name, else csv)
          --delimiter CHAR    CSV field delimiter: a character, or 'tab' (default: ',', tab for .tsv)
          --rejects FILE      where rejected rows go (default: NAME.rejects.csv in the current folder)
          --batch-size N      events per call to the cluster, 1-5000 (default 500)
          --parallel N        calls in flight at once, 1-64 (default 4)
          --dry-run           read, map and check every row; send nothing
          --json              print the summary as JSON
          --no-progress       draw no progress line, even on a terminal
        """;

    public static readonly string[] Flags = ["json", "no-progress", "dry-run"];

    public static readonly string[] Valued = ["mapping", "source", "format", "delimiter", "rejects", "batch-size", "parallel"];

    public static async Task<int> RunAsync(
        Arguments args, CliConsole console, IClusterConnector connector, TimeProvider time, CancellationToken cancellationToken)
    {
        var path = args.Single("the file to import");
        var format = args.Get("format") switch
        {
            null => InputFile.FormatFromName(path) ?? InputFormat.Csv,
            "csv" => InputFormat.Csv,
            "ndjson" => InputFormat.Ndjson,
            var other => throw new UsageException($"--format must be csv or ndjson, not '{other}'."),
        };
        var delimiter = Delimiter(args.Get("delimiter"), path);
        var settings = new SendSettings(args.GetInt("batch-size", 500, 1, EventLimits.MaxBatchEvents), args.GetInt("parallel", 4, 1, 64));
        var clientOptions = ConnectionSettings.Resolve(args, console);
        var mapping = ImportMapping.Default;
        if (args.Get("mapping") is { } mappingPath)
        {
            try
            {
                mapping = ImportMapping.Load(console.FullPath(mappingPath), mappingPath);
            }
            catch (MappingException ex)
            {
                throw new UsageException($"mapping {mappingPath}: {ex.Message}");
            }
        }

        var source = args.Get("source") ?? mapping.Source ?? clientOptions.Source ?? "import";
        using var input = InputFile.Open(console.FullPath(path), path);
        using var reader = new StreamReader(input.Content, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 64 * 1024);
        IEnumerable<ImportRecord> records;
        RowMapper mapper;
        try
        {
            if (format == InputFormat.Csv)
            {
                var csv = new CsvRecords(reader, delimiter, path);
                mapper = new RowMapper(mapping, source, csv.Columns, path);
                records = csv.Read();
            }
            else
            {
                mapper = new RowMapper(mapping, source, null, path);
                records = new NdjsonRecords(reader).Read();
            }
        }
        catch (MappingException ex)
        {
            throw new UsageException($"mapping {args.Get("mapping") ?? "(default)"}: {ex.Message}");
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException($"{path}: the gzip data is damaged ({ex.Message}).");
        }

        var rows = records.Select(record =>
        {
            var evt = mapper.Map(record, out var rejection);
            return new RowEvent(record.Line, record.Text, evt, rejection);
        });

        var rejectsName = args.Get("rejects") ?? BaseName(path) + ".rejects.csv";
        var dryRun = args.Has("dry-run");
        var stats = new RunStats();
        var progress = new Progress(console.Error, console.ErrorIsTerminal && !args.Has("no-progress"), stats,
            () => (input.BytesRead, input.Length));
        using var rejects = new Rejects(console.FullPath(rejectsName), path, progress);

        await using var connection = dryRun
            ? null
            : await connector.ConnectAsync(clientOptions, ConnectionSettings.ConnectTimeout(args), cancellationToken).ConfigureAwait(false);
        var sender = connection is null ? null : new BatchSender(connection.Client, settings, rejects, stats, cancellationToken);
        try
        {
            await EventPump.RunAsync(rows, sender, rejects, stats, progress, time, cancellationToken).ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException($"{path}: the gzip data is damaged ({ex.Message}); rows before it were sent.");
        }
        finally
        {
            progress.Finish();
        }

        EventPump.WriteSummary(console.Out, args.Has("json"), path, source, stats,
            rejects.FilePath is null ? null : rejectsName, progress.Elapsed, dryRun);
        return stats.Rejected > 0 ? ExitCodes.SomeRejected : ExitCodes.Ok;
    }

    private static char Delimiter(string? text, string path) => text switch
    {
        null => path.EndsWith(".tsv", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".tsv.gz", StringComparison.OrdinalIgnoreCase)
            ? '\t'
            : ',',
        "tab" or "\\t" or "\t" => '\t',
        { Length: 1 } when text[0] is not ('"' or '\r' or '\n') => text[0],
        _ => throw new UsageException($"--delimiter must be one character (or 'tab'), not '{text}'."),
    };

    private static string BaseName(string path)
    {
        var name = Path.GetFileName(path);
        if (name.EndsWith(".gz", StringComparison.OrdinalIgnoreCase))
        {
            name = name[..^3];
        }

        return Path.GetFileNameWithoutExtension(name);
    }
}
