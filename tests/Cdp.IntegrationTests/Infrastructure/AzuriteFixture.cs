using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>
/// Runs a private Azurite (blob, queue and table) on free loopback ports for one test collection,
/// with its data in a fresh temporary folder that is deleted afterwards.
/// Needs Node.js 20 or newer; Azurite itself is installed on first use into <c>.tools/azurite</c>.
/// </summary>
public sealed class AzuriteFixture : IAsyncLifetime
{
    // The development account every Azurite instance accepts; it is public and documented, not a secret.
    private const string AccountName = "devstoreaccount1";
    private const string AccountKey =
        "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";

    private const int OutputLinesKept = 40;

    private static readonly TimeSpan StartupDeadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan ShutdownGrace = TimeSpan.FromSeconds(10);
    private static readonly TimeSpan PollDelay = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan ConnectTimeout = TimeSpan.FromSeconds(1);

    private readonly Queue<string> _recentOutput = new();
    private Process? _process;
    private string? _dataFolder;

    public int BlobPort { get; private set; }

    public int QueuePort { get; private set; }

    public int TablePort { get; private set; }

    /// <summary>A storage connection string for this instance, usable by the Azure SDK clients.</summary>
    public string ConnectionString { get; private set; } = string.Empty;

    public async Task InitializeAsync()
    {
        var root = AzuriteInstall.FindRepositoryRoot();
        var script = await AzuriteInstall.EnsureInstalledAsync(root, CancellationToken.None);

        (BlobPort, QueuePort, TablePort) = ReserveThreePorts();
        _dataFolder = Directory.CreateTempSubdirectory("cdp-azurite-").FullName;

        try
        {
            _process = StartAzurite(script, _dataFolder);
            await WaitUntilListeningAsync(_process);
        }
        catch
        {
            // xunit may not dispose a fixture whose initialisation threw; do not leave node running.
            await DisposeAsync();
            throw;
        }

        ConnectionString = string.Create(
            CultureInfo.InvariantCulture,
            $"DefaultEndpointsProtocol=http;AccountName={AccountName};AccountKey={AccountKey};" +
            $"BlobEndpoint=http://127.0.0.1:{BlobPort}/{AccountName};" +
            $"QueueEndpoint=http://127.0.0.1:{QueuePort}/{AccountName};" +
            $"TableEndpoint=http://127.0.0.1:{TablePort}/{AccountName};");
    }

    public async Task DisposeAsync()
    {
        if (_process is { } process)
        {
            _process = null;
            await StopAsync(process);
            process.Dispose();
        }

        if (_dataFolder is { } folder)
        {
            _dataFolder = null;
            try
            {
                Directory.Delete(folder, recursive: true);
            }
            catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
            {
                // A leftover folder in the temp directory is harmless and must not turn a green run red.
            }
        }
    }

    // Holding all three listeners at once guarantees three different ports. Another process could still
    // take one between release and Azurite's bind; that shows up as a startup failure naming the ports,
    // not as a wrong test result.
    private static (int Blob, int Queue, int Table) ReserveThreePorts()
    {
        var listeners = new TcpListener[3];
        try
        {
            for (var i = 0; i < listeners.Length; i++)
            {
                listeners[i] = new TcpListener(IPAddress.Loopback, 0);
                listeners[i].Start();
            }

            return (PortOf(listeners[0]), PortOf(listeners[1]), PortOf(listeners[2]));
        }
        finally
        {
            foreach (var listener in listeners)
            {
                listener?.Stop();
            }
        }
    }

    private static int PortOf(TcpListener listener) => ((IPEndPoint)listener.LocalEndpoint).Port;

    private Process StartAzurite(string script, string dataFolder)
    {
        var startInfo = new ProcessStartInfo("node")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        string[] arguments =
        [
            script, "--silent",
            "--blobHost", "127.0.0.1", "--blobPort", Invariant(BlobPort),
            "--queueHost", "127.0.0.1", "--queuePort", Invariant(QueuePort),
            "--tableHost", "127.0.0.1", "--tablePort", Invariant(TablePort),
            "--location", dataFolder,
            "--loose",
        ];
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Remember(e.Data);
        process.ErrorDataReceived += (_, e) => Remember(e.Data);
        process.Start();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private async Task WaitUntilListeningAsync(Process process)
    {
        var deadline = Stopwatch.StartNew();
        var pending = new List<int> { BlobPort, QueuePort, TablePort };

        while (pending.Count > 0)
        {
            if (process.HasExited)
            {
                throw StartupFailure($"Azurite exited with code {process.ExitCode} before it was listening");
            }

            if (deadline.Elapsed > StartupDeadline)
            {
                var silent = string.Join(", ", pending);
                var seconds = StartupDeadline.TotalSeconds;
                throw StartupFailure($"Azurite was not listening on port(s) {silent} after {seconds:0} s");
            }

            foreach (var port in pending.ToArray())
            {
                if (await AcceptsConnectionAsync(port))
                {
                    pending.Remove(port);
                }
            }

            if (pending.Count > 0)
            {
                // Wake early if Azurite dies, so its error is reported at once instead of after the deadline.
                await Task.WhenAny(process.WaitForExitAsync(), Task.Delay(PollDelay));
            }
        }
    }

    private static async Task<bool> AcceptsConnectionAsync(int port)
    {
        using var client = new TcpClient();
        using var timeout = new CancellationTokenSource(ConnectTimeout);
        try
        {
            await client.ConnectAsync(IPAddress.Loopback, port, timeout.Token);
            return true;
        }
        catch (Exception ex) when (ex is SocketException or OperationCanceledException)
        {
            return false;
        }
    }

    private static async Task StopAsync(Process process)
    {
        if (process.HasExited)
        {
            return;
        }

        // Azurite flushes its metadata and closes its listeners on SIGINT; SIGTERM can leave it running.
        if (!Signals.Interrupt(process))
        {
            process.Kill(entireProcessTree: true);
        }

        using var grace = new CancellationTokenSource(ShutdownGrace);
        try
        {
            await process.WaitForExitAsync(grace.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_recentOutput)
        {
            _recentOutput.Enqueue(line);
            if (_recentOutput.Count > OutputLinesKept)
            {
                _recentOutput.Dequeue();
            }
        }
    }

    private InvalidOperationException StartupFailure(string reason)
    {
        string output;
        lock (_recentOutput)
        {
            output = _recentOutput.Count == 0
                ? "(no output)"
                : string.Join(Environment.NewLine, _recentOutput);
        }

        return new InvalidOperationException(
            $"{reason} (blob {BlobPort}, queue {QueuePort}, table {TablePort}). " +
            $"Last Azurite output:{Environment.NewLine}{output}");
    }

    private static string Invariant(int value) => value.ToString(CultureInfo.InvariantCulture);
}
