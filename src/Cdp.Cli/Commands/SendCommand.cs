using System.Security.Cryptography;
using System.Text;
using Cdp.Cli.Import;

namespace Cdp.Cli.Commands;

/// <summary><c>cdp send [FILE|-]</c>: events as NDJSON, one Segment-shaped JSON object per line.</summary>
internal static class SendCommand
{
    public const string Usage = """
        Usage: cdp send [FILE | -] [options]

        Sends events, one JSON object per line (the Segment tracking shape: type, userId, event, traits, ...),
        from FILE (plain or gzip) or from standard input ('-' or no FILE). An event without a messageId gets
        one derived from its line's text, so sending the same file twice applies each event once.

        Options:
          --source NAME       the source of events that name none
          --rejects FILE      also write rejected lines to this CSV file (they always go to standard error)
          --batch-size N      events per call to the cluster, 1-5000 (default 500)
          --parallel N        calls in flight at once, 1-64 (default 4)
          --json              print the summary as JSON
          --no-progress       draw no progress line, even on a terminal
        """;

    public static readonly string[] Flags = ["json", "no-progress"];

    public static readonly string[] Valued = ["source", "rejects", "batch-size", "parallel"];

    public static async Task<int> RunAsync(
        Arguments args, CliConsole console, IClusterConnector connector, TimeProvider time, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count > 1)
        {
            throw new UsageException($"'send' takes one file (or '-'), but got {args.Positionals.Count} arguments.");
        }

        var path = args.Positionals.Count == 1 && args.Positionals[0] != "-" ? args.Positionals[0] : null;
        var name = path ?? "stdin";
        var settings = new SendSettings(args.GetInt("batch-size", 500, 1, EventLimits.MaxBatchEvents), args.GetInt("parallel", 4, 1, 64));
        var clientOptions = ConnectionSettings.Resolve(args, console);
        var source = args.Get("source") ?? clientOptions.Source;

        using var input = path is null ? null : InputFile.Open(console.FullPath(path), path);
        using var reader = new StreamReader(input?.Content ?? console.OpenInput(), Encoding.UTF8, true, 64 * 1024);
        var stats = new RunStats();
        var progress = new Progress(console.Error, console.ErrorIsTerminal && !args.Has("no-progress"), stats,
            () => input is null ? null : (input.BytesRead, input.Length));
        var rejectsName = args.Get("rejects");
        using var rejects = new Rejects(rejectsName is null ? null : console.FullPath(rejectsName), name, progress);

        await using var connection = await connector.ConnectAsync(
            clientOptions, ConnectionSettings.ConnectTimeout(args), cancellationToken).ConfigureAwait(false);
        var sender = new BatchSender(connection.Client, settings, rejects, stats, cancellationToken);
        try
        {
            await EventPump.RunAsync(Lines(reader, source), sender, rejects, stats, progress, time, cancellationToken)
                .ConfigureAwait(false);
        }
        catch (InvalidDataException ex)
        {
            throw new UsageException($"{name}: the gzip data is damaged ({ex.Message}); events before it were sent.");
        }
        finally
        {
            progress.Finish();
        }

        EventPump.WriteSummary(console.Out, args.Has("json"), name, null, stats, rejects.FilePath is null ? null : rejectsName,
            progress.Elapsed, dryRun: false);
        return stats.Rejected > 0 ? ExitCodes.SomeRejected : ExitCodes.Ok;
    }

    /// <summary>Each non-blank line as an event, with a messageId and a source filled in where it has none.</summary>
    internal static IEnumerable<RowEvent> Lines(TextReader reader, string? source)
    {
        long line = 0;
        while (reader.ReadLine() is { } text)
        {
            line++;
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            if (Read(text, out var rejection) is not { } evt)
            {
                yield return new RowEvent(line, text, null, rejection);
                continue;
            }

            if (string.IsNullOrEmpty(evt.MessageId) || (evt.Source is null && source is not null))
            {
                evt = evt with
                {
                    MessageId = string.IsNullOrEmpty(evt.MessageId) ? MessageIdOf(text) : evt.MessageId,
                    Source = evt.Source ?? source,
                };
            }

            yield return new RowEvent(line, text, evt, null);
        }
    }

    private static CdpEvent? Read(string text, out string? rejection)
    {
        rejection = null;
        try
        {
            return CdpJson.DeserializeEvent(Encoding.UTF8.GetBytes(text));
        }
        catch (CdpValidationException ex)
        {
            rejection = string.Join("; ", ex.Errors.Select(e => e.ToString()));
            return null;
        }
    }

    private static string MessageIdOf(string line) =>
        "send-" + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(line.Trim())).AsSpan(0, 20));
}
