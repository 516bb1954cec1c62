using System.Globalization;
using System.Text;

namespace Cdp.Cli.Commands;

/// <summary>Privacy requests from the command line: <c>export</c> and <c>erase</c>.</summary>
internal static class PrivacyCommands
{
    public const string ExportUsage = """
        Usage: cdp export TYPE:VALUE [--out FILE]

        Writes everything held about the customer that holds the identifier as one JSON document: the whole
        profile (identifiers, traits, aggregates, identity journal) and every archived event. Without --out it
        goes to standard output. The export is recorded in the privacy audit log. Exit code 4 when no customer
        holds the identifier.
        """;

    public const string EraseUsage = """
        Usage: cdp erase TYPE:VALUE --by NAME

        Erases the customer that holds the identifier, with every customer merged into it: profile, identity
        records, archived events. Only a suppression record of salted hashes remains, and an entry in the privacy
        audit log naming NAME (who asked). Prints the request id and counts. Running it again after a failure
        finishes the interrupted erasure. Exit code 4 when no customer holds the identifier (nothing changed).
        """;

    public static readonly string[] ExportValued = ["out"];

    public static readonly string[] EraseValued = ["by"];

    public static async Task<int> ExportAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        var path = args.Get("out");
        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var export = await Cluster.CallAsync(() => connection.Client.ExportAsync(id, cancellationToken)).ConfigureAwait(false);
        if (export is null)
        {
            await console.Error.WriteLineAsync($"cdp export: no customer has the identifier {id}.").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        if (path is null)
        {
            using var buffer = new MemoryStream();
            export.WriteJson(buffer, indented: true);
            await console.Out.WriteLineAsync(Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length)).ConfigureAwait(false);
            return ExitCodes.Ok;
        }

        await using (var file = File.Create(path))
        {
            export.WriteJson(file, indented: true);
        }

        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Exported customer {export.Profile.CustomerId}: {export.Events.Count} archived events to {path} " +
            $"(request {export.RequestId}).")).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    public static async Task<int> EraseAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken)
    {
        var id = Identifier.Parse(args.Single("an identifier TYPE:VALUE"));
        var by = args.Get("by");
        if (string.IsNullOrWhiteSpace(by))
        {
            throw new UsageException("--by NAME is required: who asked for the erasure, for the audit log.");
        }

        await using var connection = await ConnectAsync(args, console, connector, cancellationToken).ConfigureAwait(false);
        var result = await Cluster.CallAsync(() => connection.Client.EraseAsync(id, by, cancellationToken)).ConfigureAwait(false);
        if (result.Status == PrivacyRequestStatus.NothingFound)
        {
            await console.Error.WriteLineAsync(
                $"cdp erase: no customer has the identifier {id}; nothing changed (request {result.RequestId}).").ConfigureAwait(false);
            return ExitCodes.NotFound;
        }

        await console.Out.WriteLineAsync(string.Create(CultureInfo.InvariantCulture,
            $"Erased customer {result.CustomerId} (request {result.RequestId}, {result.Status}): {result.CustomersErased} " +
            $"customers, {result.IdentifiersErased} identifiers, {result.EventsErased} archived events in " +
            $"{result.Duration.TotalSeconds:0.###} s.")).ConfigureAwait(false);
        return ExitCodes.Ok;
    }

    private static Task<ClusterConnection> ConnectAsync(
        Arguments args, CliConsole console, IClusterConnector connector, CancellationToken cancellationToken) =>
        connector.ConnectAsync(ConnectionSettings.Resolve(args, console), ConnectionSettings.ConnectTimeout(args), cancellationToken);
}
