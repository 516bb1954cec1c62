using System.Text.Json;
using System.Text.Json.Serialization;
using Cdp.Cli.Output;

namespace Cdp.Cli.Commands;

/// <summary>
/// Identity resolution from the command line: <c>explain</c>, <c>journal</c>, <c>unmerge</c> and <c>rules</c>.
/// </summary>
internal static class IdentityCommands
{
    public const string ExplainUsage = """
        Usage: cdp explain TYPE:VALUE [--json]

        Prints why the identifier belongs to its customer: the event that first carried it, then each merge
        that brought it along, oldest first. Exit code 4 when no customer holds it.
        """;

    public const string JournalUsage = """
        Usage: cdp journal TYPE:VALUE [--json]

        Prints the identity journal of the customer that holds the identifier: merges, refused merges,
        demoted identifiers and unmerges, oldest first, each with its entry id. Exit code 4 when no customer holds it.
        """;

    public const string UnmergeUsage = """
        Usage: cdp unmerge TYPE:VALUE ENTRY_ID

        Undoes the merge recorded by journal entry ENTRY_ID (see 'cdp journal') of the customer that holds the
        identifier. The merged-in side becomes a customer of its own again, and the two are kept apart.
        Exit code 4 when no customer holds the identifier or has that entry; 2 when the merge was already undone.
        """;

    public const string RulesUsage = """
        Usage: cdp rules [--set FILE]

        Prints the identity rules in force as JSON. With --set, replaces them with the rules in FILE (the
        same JSON shape) and prints them as stored, with their new version. Bad rules exit 2, each problem
        named by its field.
        """;

    public static readonly string[] JsonFlag = ["json"];

    public static readonly string[] RulesValued = ["set"];

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        MaxDepth = 8,
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        Converters = { new JsonStringEnumConverter() },
    };

    public static async Task<int> ExplainAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var explanation = await Cluster.CallAsync(() => connection.Client.ExplainAsync(id, cancellationToken)).ConfigureAwait(false);
        if (explanation is null)
        {
            await console.Error.WriteLineAsync($"cdp explain: no customer has the identifier {id}.").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        await console.Out.WriteLineAsync(args.Has("json") ? JsonSerializer.Serialize(explanation, Json) : explanation.ToString())
            .ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    public static async Task<int> JournalAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var profile = await Cluster.CallAsync(() => connection.Client.GetProfileAsync(id, cancellationToken)).ConfigureAwait(false);
        if (profile is null)
        {
            await console.Error.WriteLineAsync($"cdp journal: no customer has the identifier {id}.").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        if (args.Has("json"))
        {
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(profile.Journal, Json)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        foreach (var entry in profile.Journal)
        {
            await console.Out.WriteLineAsync(Line(entry)).ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    public static async Task<int> UnmergeAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count != 2)
        {
            throw new UsageException(
                $"'unmerge' takes an identifier TYPE:VALUE and a journal entry id, but got {args.Positionals.Count} arguments.");
        }

        var id = Identifier.Parse(args.Positionals[0]);
        var entryId = args.Positionals[1];
        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        try
        {
            var entry = await Cluster.CallAsync(() => connection.Client.UnmergeAsync(id, entryId, cancellationToken)).ConfigureAwait(false);
            await console.Out.WriteLineAsync(Line(entry)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (CdpValidationException ex) when (ex.Errors.Count == 1)
        {
            await console.Error.WriteLineAsync($"cdp unmerge: {ex.Errors[0].Message}").ConfigureAwait(false);
            return ex.Errors[0].Rule == CdpValidationRule.NotFound ? ExitCodes.NotFound : ExitCodes.BadInput;
        }
    }

    public static async Task<int> RulesAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        if (args.Positionals.Count > 0)
        {
            throw new UsageException("'rules' takes no arguments; use --set FILE to replace the rules.");
        }

        IdentityRules? replacement = null;
        if (args.Get("set") is { } file)
        {
            replacement = ReadRules(console.FullPath(file), file);
        }

        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        try
        {
            var rules = replacement is null
                ? await Cluster.CallAsync(() => connection.Client.GetIdentityRulesAsync(cancellationToken)).ConfigureAwait(false)
                : await Cluster.CallAsync(() => connection.Client.SetIdentityRulesAsync(replacement, cancellationToken))
                    .ConfigureAwait(false);
            await console.Out.WriteLineAsync(JsonSerializer.Serialize(rules, Json)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }
        catch (CdpValidationException ex)
        {
            foreach (var error in ex.Errors)
            {
                await console.Error.WriteLineAsync($"cdp rules: {error.Field}: {error.Message}").ConfigureAwait(false);
            }

            return ExitCodes.BadInput;
        }
    }

    private static IdentityRules ReadRules(string path, string file)
    {
        if (!File.Exists(path))
        {
            throw new UsageException($"the rules file '{file}' does not exist.");
        }

        try
        {
            return JsonSerializer.Deserialize<IdentityRules>(File.ReadAllBytes(path), Json)
                ?? throw new UsageException($"'{file}' holds no rules.");
        }
        catch (JsonException ex)
        {
            throw new UsageException($"'{file}' is not identity rules JSON: {ex.Message}");
        }
    }

    private static string Line(IdentityJournalEntry entry)
    {
        var undone = entry.UndoneAt is null ? "" : $" (undone by {entry.UndoneBy})";
        var times = entry.Count > 1 ? $" x{entry.Count}" : "";
        return $"{ProfileText.Time(entry.At)}  {entry.EntryId}  {entry.Action} [{entry.Rule}]{times}{undone}: {entry.Detail}";
    }

    private static Task<ClusterConnection> ConnectAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken) =>
        connector.ConnectAsync(ConnectionSettings.Resolve(args, console), ConnectionSettings.ConnectTimeout(args), cancellationToken);
}
