using System.Globalization;
using System.Text.Json;

namespace Cdp.Cli.Commands;

/// <summary><c>cdp keys</c> (API keys for the HTTP API) and <c>cdp consent</c> (a customer's consent ledger).</summary>
internal static class AdminCommands
{
    public const string KeysUsage = """
        Usage: cdp keys list
               cdp keys create NAME --scopes SCOPE[,SCOPE...]
               cdp keys revoke ID

        Manages the API keys of the HTTP API. A new key's secret is printed once, on its own line; only its
        SHA-256 digest is stored. Scopes: ingest, profiles:read, personal:read, segments:manage, privacy, admin.
        Exit code 4 when revoking an unknown key.
        """;

    public const string ConsentUsage = """
        Usage: cdp consent TYPE:VALUE [--purpose PURPOSE [--channel CHANNEL]] [--json]

        Prints the consent ledger of the customer that holds the identifier: the decisions in force, then the
        history. With --purpose, also whether data may leave for that purpose now (exit code 0 either way;
        'allowed' or 'not allowed' on the first line). Exit code 4 when no customer holds the identifier.
        """;

    public static readonly string[] KeysValued = ["scopes"];

    public static readonly string[] ConsentValued = ["purpose", "channel"];

    public static readonly string[] JsonFlag = ["json"];

    public static async Task<int> KeysAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var verb = args.Positionals.Count > 0 ? args.Positionals[0] : throw new UsageException("'keys' needs list, create or revoke.");
        var expected = verb switch
        {
            "list" => 1,
            "create" or "revoke" => 2,
            _ => throw new UsageException($"'keys {verb}' is not a command; use list, create or revoke."),
        };
        if (args.Positionals.Count != expected)
        {
            throw new UsageException($"'keys {verb}' takes {expected - 1} argument(s), but got {args.Positionals.Count - 1}.");
        }

        var scopes = ApiScopes.None;
        if (verb == "create")
        {
            var names = args.Get("scopes") ?? throw new UsageException("'keys create' needs --scopes, e.g. --scopes ingest,profiles:read.");
            foreach (var name in names.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
            {
                scopes |= ApiScopeNames.TryParse(name, out var scope)
                    ? scope
                    : throw new UsageException($"'{name}' is not a scope; the scopes are {string.Join(", ", ApiScopeNames.All)}.");
            }
        }

        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var keys = connection.Keys;
        switch (verb)
        {
            case "list":
                foreach (var key in await Cluster.CallAsync(() => keys.ListAsync(cancellationToken)).ConfigureAwait(false))
                {
                    var revoked = key.RevokedAt is { } at ? "  revoked " + Output.ProfileText.Time(at) : "";
                    await console.Out.WriteLineAsync(
                        $"{key.Id}  {key.Name}  {string.Join(",", ApiScopeNames.ToNames(key.Scopes))}{revoked}").ConfigureAwait(false);
                }

                return ExitCodes.Ok;
            case "create":
                var created = await Cluster.CallAsync(() => keys.CreateAsync(args.Positionals[1], scopes, cancellationToken))
                    .ConfigureAwait(false);
                await console.Out.WriteLineAsync(created.Key).ConfigureAwait(false);
                var note = $"cdp keys: created key {created.Info.Id} '{created.Info.Name}'; the secret above is shown once.";
                await console.Error.WriteLineAsync(note).ConfigureAwait(false);
                return ExitCodes.Ok;
            default:
                var revokedNow = await Cluster.CallAsync(() => keys.RevokeAsync(args.Positionals[1], cancellationToken))
                    .ConfigureAwait(false);
                if (!revokedNow)
                {
                    await console.Error.WriteLineAsync($"cdp keys: no key has the id {args.Positionals[1]}.").ConfigureAwait(false);
                    return ExitCodes.NotFound;
                }

                return ExitCodes.Ok;
        }
    }

    public static async Task<int> ConsentAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        var purpose = args.Get("purpose");
        var channel = args.Get("channel");
        if (channel is not null && purpose is null)
        {
            throw new UsageException("--channel goes with --purpose.");
        }

        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var ledger = await Cluster.CallAsync(() => connection.Client.GetConsentAsync(id, cancellationToken)).ConfigureAwait(false);
        if (ledger is null)
        {
            await console.Error.WriteLineAsync($"cdp consent: no customer has the identifier {id}.").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        bool? allowed = null;
        if (purpose is not null)
        {
            try
            {
                allowed = await Cluster.CallAsync(() => connection.Client.IsAllowedAsync(id, purpose, channel, cancellationToken))
                    .ConfigureAwait(false);
            }
            catch (CdpValidationException ex)
            {
                throw new UsageException(ex.Errors.Count > 0 ? ex.Errors[0].Message : ex.Message);
            }
        }

        if (args.Has("json"))
        {
            var json = JsonSerializer.Serialize(new { ledger.CustomerId, allowed, ledger.Current, ledger.History }, Json);
            await console.Out.WriteLineAsync(json).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        if (allowed is { } answer)
        {
            await console.Out.WriteLineAsync(answer ? "allowed" : "not allowed").ConfigureAwait(false);
        }

        foreach (var record in ledger.Current.OrderBy(r => r.Key, StringComparer.Ordinal))
        {
            await console.Out.WriteLineAsync($"{record.Key}  {Describe(record)}").ConfigureAwait(false);
        }

        await console.Out.WriteLineAsync($"History ({ledger.History.Count})").ConfigureAwait(false);
        foreach (var record in ledger.History)
        {
            var late = record.Applied ? "" : "  (older than the decision in force)";
            await console.Out.WriteLineAsync($"  {record.Key}  {Describe(record)}{late}").ConfigureAwait(false);
        }

        return ExitCodes.Ok;
    }

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web)
    {
        WriteIndented = true,
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() },
    };

    private static string Describe(ConsentRecord record)
    {
        var expires = record.ExpiresAt is { } at ? ", until " + Output.ProfileText.Time(at) : "";
        var basis = record.LegalBasis is null ? "" : ", basis " + record.LegalBasis;
        var policy = record.PolicyVersion is null ? "" : ", policy " + record.PolicyVersion;
        return string.Create(CultureInfo.InvariantCulture,
            $"{record.Status.ToString().ToLowerInvariant()} as of {Output.ProfileText.Time(record.EventTime)}{expires}{basis}{policy}"
            + $" [{record.Source ?? "unnamed"}]");
    }

    private static Task<ClusterConnection> ConnectAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken) =>
        connector.ConnectAsync(ConnectionSettings.Resolve(args, console), ConnectionSettings.ConnectTimeout(args), cancellationToken);
}
