using System.Globalization;
using System.Text.Json;

namespace Cdp.Cli.Import;

/// <summary>One input row as an event, or the reason it has none.</summary>
internal readonly record struct RowEvent(long Line, string Text, CdpEvent? Event, string? Rejection);

/// <summary>
/// Feeds rows to a <see cref="BatchSender"/>: each event is validated here first, with the rules the cluster
/// applies, so that one bad row is rejected alone instead of taking its whole batch down with it.
/// </summary>
internal static class EventPump
{
    /// <param name="sender">Null for a dry run: rows are mapped and checked, nothing is sent.</param>
    public static async Task RunAsync(
        IEnumerable<RowEvent> rows, BatchSender? sender, Rejects rejects, RunStats stats, Progress progress,
        TimeProvider time, CancellationToken cancellationToken)
    {
        foreach (var row in rows)
        {
            cancellationToken.ThrowIfCancellationRequested();
            stats.RowRead();
            var reason = row.Rejection;
            var size = 0;
            if (row.Event is { } evt)
            {
                try
                {
                    size = EventValidator.Validate(evt, time.GetUtcNow());
                }
                catch (CdpValidationException ex)
                {
                    reason = string.Join("; ", ex.Errors.Select(e => e.ToString()));
                }
            }

            if (reason is not null || row.Event is null)
            {
                stats.RowRejected();
                rejects.Add(row.Line, reason ?? "no event.", row.Text);
            }
            else if (sender is null)
            {
                stats.Received(duplicate: false);
            }
            else
            {
                await sender.AddAsync(new PendingEvent(row.Event, row.Line, row.Text, size)).ConfigureAwait(false);
            }

            progress.Tick();
        }

        if (sender is not null)
        {
            await sender.CompleteAsync().ConfigureAwait(false);
        }
    }

    /// <summary>The closing summary: one human line, or one JSON object with <c>--json</c>.</summary>
    public static void WriteSummary(
        TextWriter output, bool json, string input, string? source, RunStats stats, string? rejectsFile, TimeSpan elapsed, bool dryRun)
    {
        var seconds = Math.Max(elapsed.TotalSeconds, 0.001);
        if (json)
        {
            using var buffer = new MemoryStream();
            using (var writer = new Utf8JsonWriter(buffer))
            {
                writer.WriteStartObject();
                writer.WriteString("input", input);
                if (source is not null)
                {
                    writer.WriteString("source", source);
                }

                writer.WriteBoolean("dryRun", dryRun);
                writer.WriteNumber("rows", stats.Rows);
                writer.WriteNumber(dryRun ? "valid" : "applied", stats.Applied);
                writer.WriteNumber("duplicates", stats.Duplicates);
                writer.WriteNumber("rejected", stats.Rejected);
                if (rejectsFile is not null)
                {
                    writer.WriteString("rejectsFile", rejectsFile);
                }

                writer.WriteNumber("seconds", Math.Round(elapsed.TotalSeconds, 3));
                writer.WriteNumber("rowsPerSecond", Math.Round(stats.Rows / seconds, 1));
                writer.WriteEndObject();
            }

            output.WriteLine(System.Text.Encoding.UTF8.GetString(buffer.ToArray()));
            return;
        }

        var what = dryRun
            ? $"{stats.Applied:N0} valid (dry run: nothing sent)"
            : $"{stats.Applied:N0} applied, {stats.Duplicates:N0} duplicates";
        var rejected = stats.Rejected == 0
            ? "0 rejected"
            : $"{stats.Rejected:N0} rejected" + (rejectsFile is null ? "" : $" (see {rejectsFile})");
        var from = source is null ? "." : $"; source '{source}'.";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{input}: {stats.Rows:N0} rows in {elapsed.TotalSeconds:F1} s ({stats.Rows / seconds:N0} rows/s): {what}, {rejected}{from}"));
    }
}
