using System.Text;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

/// <summary>What one run of the tool gave: its exit code and what it wrote.</summary>
internal sealed record CliResult(int ExitCode, string Out, string Error);

/// <summary>A connector that hands out a client that already exists, and remembers the settings it was given.</summary>
internal sealed class FixedConnector(ICdpClient client, ICdpApiKeys? keys = null) : IClusterConnector
{
    public CdpClientOptions? Options { get; private set; }

    public Task<ClusterConnection> ConnectAsync(CdpClientOptions options, TimeSpan timeout, CancellationToken cancellationToken)
    {
        Options = options;
        return Task.FromResult(new ClusterConnection(client, keys: keys));
    }
}

/// <summary>
/// Runs the tool's commands in this process, in a folder of their own, with captured output, against a given
/// client (usually the in-process test cluster's).
/// </summary>
internal sealed class CliHarness : IDisposable
{
    private readonly IClusterConnector _connector;

    public CliHarness(ICdpClient client)
        : this(new FixedConnector(client))
    {
    }

    public CliHarness(IClusterConnector connector)
    {
        _connector = connector;
        Folder = Directory.CreateTempSubdirectory("cdp-cli-tests-").FullName;
    }

    public string Folder { get; }

    public Dictionary<string, string?> Environment { get; } = new(StringComparer.Ordinal);

    public string Write(string name, string content)
    {
        var path = Path.Combine(Folder, name);
        File.WriteAllText(path, content);
        return name;
    }

    public string Read(string name) => File.ReadAllText(Path.Combine(Folder, name));

    public bool Exists(string name) => File.Exists(Path.Combine(Folder, name));

    public string PathOf(string name) => Path.Combine(Folder, name);

    public async Task<CliResult> RunAsync(params string[] args) => await RunWithInputAsync("", args);

    public async Task<CliResult> RunWithInputAsync(string input, params string[] args)
    {
        using var output = new StringWriter();
        using var error = new StringWriter();
        var console = new CliConsole
        {
            Out = output,
            Error = error,
            OpenInput = () => new MemoryStream(Encoding.UTF8.GetBytes(input)),
            ErrorIsTerminal = false,
            Environment = Environment,
            WorkingDirectory = Folder,
        };

        var code = await CdpTool.RunAsync(args, console, _connector, TimeProvider.System, CancellationToken.None);
        return new CliResult(code, output.ToString(), error.ToString());
    }

    public void Dispose() => Directory.Delete(Folder, recursive: true);
}

/// <summary>The sample files shipped in the repository.</summary>
internal static class Samples
{
    public static string Read(string name) =>
        File.ReadAllText(Path.Combine(AzuriteInstall.FindRepositoryRoot(), "samples", "crm", name));

    /// <summary>
    /// The sample, with its addresses moved to a domain of its own and its CRM and order ids given a prefix of their own,
    /// so that tests sharing a cluster never meet.
    /// </summary>
    public static string ReadUnique(string name, string domain) =>
        Read(name).Replace("@example.com", "@" + domain, StringComparison.Ordinal)
            .Replace("C-10", domain[..12] + "-C-10", StringComparison.Ordinal)
            .Replace("O-500", domain[..12] + "-O-500", StringComparison.Ordinal);
}
