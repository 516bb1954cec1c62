using System.Globalization;
using Cdp.Cli.Output;

namespace Cdp.Cli.Commands;

/// <summary><c>cdp profile TYPE:VALUE</c>: the customer's profile, for people or (with --json) for scripts.</summary>
internal static class ProfileCommand
{
    public const string Usage = """
        Usage: cdp profile TYPE:VALUE [options]

        Prints the profile of the customer that holds the identifier, e.g. email:ada@example.com or
        user_id:42: identifiers, traits by section, event aggregates, recent events, identity journal.
        Exit code 4 when no customer holds it.

        Options:
          --json              print the whole profile as JSON
        """;

    public static readonly string[] Flags = ["json"];

    public static readonly string[] Valued = [];

    public static async Task<int> RunAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        var options = ConnectionSettings.Resolve(args, console);
        await using var connection = await connector.ConnectAsync(options, ConnectionSettings.ConnectTimeout(args), cancellationToken)
            .ConfigureAwait(false);
        var profile = await Cluster.CallAsync(() => connection.Client.GetProfileAsync(id, cancellationToken)).ConfigureAwait(false);
        if (profile is null)
        {
            await console.Error.WriteLineAsync($"cdp profile: no customer has the identifier {id}.").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        if (args.Has("json"))
        {
            await console.Out.WriteLineAsync(ProfileJsonText(profile)).ConfigureAwait(false);
        }
        else
        {
            ProfileText.Write(console.Out, profile, id);
        }

        return ExitCodes.Ok;
    }

    // The same JSON form as the HTTP API's profile (everything shown: the tool talks to the cluster directly).
    private static string ProfileJsonText(CustomerProfile profile)
    {
        using var buffer = new MemoryStream();
        using (var w = new System.Text.Json.Utf8JsonWriter(buffer, new System.Text.Json.JsonWriterOptions { Indented = true }))
        {
            ProfileJson.Write(w, profile, personalData: true);
        }

        return System.Text.Encoding.UTF8.GetString(buffer.ToArray());
    }
}

/// <summary><c>cdp events TYPE:VALUE</c>: the customer's archived events, oldest first, page by page.</summary>
internal static class EventsCommand
{
    public const string Usage = """
        Usage: cdp events TYPE:VALUE [options]

        Prints the archived events of the customer that holds the identifier, oldest first, reading the
        archive page by page. Exit code 4 when no customer holds it.

        Options:
          --after SEQ         start after this archive sequence number (default 0: from the first)
          --limit N           print at most N events (default: all)
          --page-size N       events per call to the cluster, 1-1000 (default 200)
          --json              print each event as one line of JSON (the shape 'cdp send' reads)
        """;

    public static readonly string[] Flags = ["json"];

    public static readonly string[] Valued = ["after", "limit", "page-size"];

    public static async Task<int> RunAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        long after = args.GetInt("after", 0, 0, int.MaxValue);
        var limit = args.GetInt("limit", int.MaxValue, 1, int.MaxValue);
        var pageSize = args.GetInt("page-size", 200, 1, 1000);
        var json = args.Has("json");
        var options = ConnectionSettings.Resolve(args, console);
        await using var connection = await connector.ConnectAsync(options, ConnectionSettings.ConnectTimeout(args), cancellationToken)
            .ConfigureAwait(false);

        var printed = 0;
        long? cursor = after;
        while (cursor is { } from && printed < limit)
        {
            var page = await Cluster.CallAsync(() =>
                connection.Client.GetEventsAsync(id, from, Math.Min(pageSize, limit - printed), cancellationToken)).ConfigureAwait(false);
            if (printed == 0 && after == 0 && page.Events.Count == 0)
            {
                // Every customer is created by an event, so an empty archive means no customer holds the identifier.
                await console.Error.WriteLineAsync($"cdp events: no customer has the identifier {id}.").ConfigureAwait(false);
                return ExitCodes.NotFound;
            }

            foreach (var archived in page.Events)
            {
                var line = json ? System.Text.Encoding.UTF8.GetString(CdpJson.Serialize(archived.Event)) : EventText.Line(archived);
                await console.Out.WriteLineAsync(line).ConfigureAwait(false);
                printed++;
            }

            cursor = page.NextAfterSequence;
        }

        if (!json && cursor is { } next)
        {
            await console.Error.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
                $"cdp events: more events follow; continue with --after {next}.")).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }
}

internal static class Identifier
{
    /// <exception cref="UsageException">Not of the form type:value.</exception>
    public static ExternalId Parse(string text)
    {
        try
        {
            var id = ExternalId.Parse(text);
            _ = IdentityKeys.Of(id);
            return id;
        }
        catch (Exception ex) when (ex is FormatException or ArgumentException)
        {
            throw new UsageException($"'{text}' is not an identifier; write TYPE:VALUE, e.g. email:ada@example.com.");
        }
    }
}

/// <summary>Turns a failed look-up call into <see cref="ClusterUnavailableException"/>.</summary>
internal static class Cluster
{
    public static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call().ConfigureAwait(false);
        }
        catch (Exception ex) when (ex is not (OperationCanceledException or CdpValidationException or UsageException))
        {
            throw new ClusterUnavailableException($"the cluster failed the call ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }
}
