using System.Reflection;
using Cdp.Cli.Commands;

namespace Cdp.Cli;

/// <summary>The <c>cdp</c> command line: picks the command, runs it, and turns failures into one line and an exit code.</summary>
internal static class CdpTool
{
    public const string Usage = """
        Usage: cdp COMMAND [ARGUMENTS] [options]

        Commands:
          import FILE          import a CSV or NDJSON file (gzip too) of contacts, orders, ... as events
          send [FILE | -]      send events, one JSON object per line, from a file or standard input
          profile TYPE:VALUE   print a customer's profile (--json for scripts)
          events TYPE:VALUE    print a customer's archived events, oldest first
          explain TYPE:VALUE   why an identifier belongs to its customer (first event, then each merge)
          journal TYPE:VALUE   a customer's identity journal: merges, refusals, unmerges
          unmerge TYPE:VALUE ENTRY_ID
                               undo the merge of that journal entry
          rules [--set FILE]   print (or replace) the identity rules, as JSON
          export TYPE:VALUE [--out FILE]
                               everything held about a customer, as one JSON document
          erase TYPE:VALUE --by NAME
                               erase a customer (privacy request); NAME is recorded as who asked
          consent TYPE:VALUE [--purpose P [--channel C]]
                               a customer's consent ledger, and whether data may leave for P
          keys list | create NAME --scopes S,... | revoke ID
                               API keys of the HTTP API

        Connection (every command; later sources win): defaults (localhost:30000, cluster cdp-local,
        service cdp) < a JSON file from --config or CDP_CONFIG ({"Cdp":{"Client":{...}}}) < environment
        (Cdp__Client__GatewayPorts__0=..., or CDP_GATEWAY, CDP_CLUSTER_ID, CDP_SERVICE_ID, CDP_SOURCE) < options:
          --gateway PORTS      gateway ports on localhost, comma-separated
          --cluster-id ID      Orleans cluster id of the silos
          --service-id ID      Orleans service id of the silos
          --config FILE        JSON settings file
          --connect-timeout S  seconds to wait for the cluster (default 15)

        Exit codes: 0 done; 1 some rows or events rejected (each listed); 2 bad usage or input, nothing sent;
        3 the cluster cannot be reached or failed a call; 4 no customer has the identifier; 130 cancelled.
        Run 'cdp COMMAND --help' for a command's options.
        """;

    public static async Task<int> RunAsync(
        IReadOnlyList<string> args, CliConsole console, IClusterConnector connector, TimeProvider time,
        CancellationToken cancellationToken)
    {
        if (args.Count == 0)
        {
            await console.Error.WriteAsync(Usage).ConfigureAwait(false);
            return ExitCodes.BadInput;
        }

        var command = args[0];
        if (command is "--help" or "-h" or "help")
        {
            await console.Out.WriteAsync(Usage).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (command is "--version")
        {
            var version = typeof(CdpTool).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion;
            await console.Out.WriteLineAsync(version ?? "unknown").ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        var rest = args.Skip(1).ToList();
        try
        {
            var (usage, flags, valued) = command switch
            {
                "import" => (ImportCommand.Usage, ImportCommand.Flags, ImportCommand.Valued),
                "send" => (SendCommand.Usage, SendCommand.Flags, SendCommand.Valued),
                "profile" => (ProfileCommand.Usage, ProfileCommand.Flags, ProfileCommand.Valued),
                "events" => (EventsCommand.Usage, EventsCommand.Flags, EventsCommand.Valued),
                "explain" => (IdentityCommands.ExplainUsage, IdentityCommands.JsonFlag, []),
                "journal" => (IdentityCommands.JournalUsage, IdentityCommands.JsonFlag, []),
                "unmerge" => (IdentityCommands.UnmergeUsage, [], []),
                "rules" => (IdentityCommands.RulesUsage, [], IdentityCommands.RulesValued),
                "export" => (PrivacyCommands.ExportUsage, [], PrivacyCommands.ExportValued),
                "erase" => (PrivacyCommands.EraseUsage, [], PrivacyCommands.EraseValued),
                "consent" => (AdminCommands.ConsentUsage, AdminCommands.JsonFlag, AdminCommands.ConsentValued),
                "keys" => (AdminCommands.KeysUsage, [], AdminCommands.KeysValued),
                _ => throw new UsageException(
                    $"'{command}' is not a command; the commands are import, send, profile, events, explain, journal, unmerge, rules, "
                    + "export, erase, consent, keys."),
            };
            if (rest.TakeWhile(a => a != "--").Any(a => a is "--help" or "-h"))
            {
                await console.Out.WriteAsync(usage).ConfigureAwait(false);
                return ExitCodes.Ok;
            }

            var parsed = Arguments.Parse(rest, command,
                flags.ToHashSet(StringComparer.Ordinal),
                valued.Concat(ConnectionSettings.Options).ToHashSet(StringComparer.Ordinal));
            return command switch
            {
                "import" => await ImportCommand.RunAsync(parsed, console, connector, time, cancellationToken).ConfigureAwait(false),
                "send" => await SendCommand.RunAsync(parsed, console, connector, time, cancellationToken).ConfigureAwait(false),
                "profile" => await ProfileCommand.RunAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "explain" => await IdentityCommands.ExplainAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "journal" => await IdentityCommands.JournalAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "unmerge" => await IdentityCommands.UnmergeAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "rules" => await IdentityCommands.RulesAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "export" => await PrivacyCommands.ExportAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "erase" => await PrivacyCommands.EraseAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "consent" => await AdminCommands.ConsentAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                "keys" => await AdminCommands.KeysAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
                _ => await EventsCommand.RunAsync(parsed, console, connector, cancellationToken).ConfigureAwait(false),
            };
        }
        catch (UsageException ex)
        {
            await console.Error.WriteLineAsync($"cdp {command}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.BadInput;
        }
        catch (ClusterUnavailableException ex)
        {
            await console.Error.WriteLineAsync($"cdp {command}: {ex.Message}").ConfigureAwait(false);
            return ExitCodes.ClusterUnavailable;
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            await console.Error.WriteLineAsync($"cdp {command}: cancelled.").ConfigureAwait(false);
            return ExitCodes.Cancelled;
        }
    }
}
