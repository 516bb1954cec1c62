using System.ComponentModel;
using System.Diagnostics;
using System.Globalization;
using System.Text;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>
/// Locates the repository and keeps a pinned Azurite under <c>.tools/azurite</c>.
/// run-local.ps1 installs into the same folder with the same version; change both together.
/// </summary>
internal static class AzuriteInstall
{
    public const string Version = "3.37.0";

    private const int MinimumNodeMajorVersion = 20;

    private const string SolutionFileName = "Cdp.sln";

    private const string NodeRequiredMessage =
        "Node.js 20 or newer is required for the Azurite integration tests. " +
        "Install it so that 'node' and 'npm' are on PATH, then rerun the tests.";

    // A cold npm install of Azurite downloads a few hundred packages; a slow mirror needs minutes.
    private static readonly TimeSpan InstallTimeout = TimeSpan.FromMinutes(5);

    private static readonly TimeSpan LockRetryDelay = TimeSpan.FromMilliseconds(250);

    /// <summary>Walks up from the test binaries to the folder that holds <c>Cdp.sln</c>.</summary>
    public static string FindRepositoryRoot()
    {
        var start = AppContext.BaseDirectory;
        for (var folder = new DirectoryInfo(start); folder is not null; folder = folder.Parent)
        {
            if (File.Exists(Path.Combine(folder.FullName, SolutionFileName)))
            {
                return folder.FullName;
            }
        }

        throw new InvalidOperationException(
            $"No folder above '{start}' contains {SolutionFileName}, so the repository root is unknown.");
    }

    public static string InstallFolder(string repositoryRoot) =>
        Path.Combine(repositoryRoot, ".tools", "azurite");

    public static string EntryScript(string repositoryRoot) =>
        Path.Combine(InstallFolder(repositoryRoot), "node_modules", "azurite", "dist", "src", "azurite.js");

    /// <summary>
    /// Checks that Node.js is usable and installs Azurite when it is missing.
    /// Returns the path of the script to run with <c>node</c>.
    /// </summary>
    /// <exception cref="InvalidOperationException">Node.js is missing or too old, or npm failed.</exception>
    public static async Task<string> EnsureInstalledAsync(
        string repositoryRoot,
        CancellationToken cancellationToken)
    {
        await EnsureNodeAsync(cancellationToken);

        // Look only while holding the lock: npm unpacks azurite.js before the modules it requires, so a
        // second test process that looked while the first was still installing would start a broken Azurite.
        var lockPath = Path.Combine(repositoryRoot, ".tools", "azurite.lock");
        await using var installLock = await AcquireLockAsync(lockPath, cancellationToken);

        var script = EntryScript(repositoryRoot);
        if (File.Exists(script))
        {
            return script;
        }

        var folder = InstallFolder(repositoryRoot);
        Directory.CreateDirectory(folder);
        var install = await RunAsync(
            NpmFileName,
            ["install", "--no-audit", "--no-fund", "--prefix", folder, $"azurite@{Version}"],
            InstallTimeout,
            cancellationToken);

        if (install.ExitCode != 0 || !File.Exists(script))
        {
            throw new InvalidOperationException(
                $"'npm install azurite@{Version}' into '{folder}' failed with exit code {install.ExitCode}:" +
                $"{Environment.NewLine}{install.Output}");
        }

        return script;
    }

    // npm is a batch file on Windows, which Process.Start only finds by its full name.
    internal static string NpmFileName => OperatingSystem.IsWindows() ? "npm.cmd" : "npm";

    internal static async Task EnsureNodeAsync(CancellationToken cancellationToken)
    {
        var probe = await RunAsync("node", ["--version"], TimeSpan.FromSeconds(30), cancellationToken);

        // node prints its version as "v20.11.1".
        var text = probe.Output.Trim().TrimStart('v');
        var majorText = text.Split('.')[0];
        if (probe.ExitCode != 0
            || !int.TryParse(majorText, NumberStyles.None, CultureInfo.InvariantCulture, out var major)
            || major < MinimumNodeMajorVersion)
        {
            throw new InvalidOperationException($"{NodeRequiredMessage} Found: '{probe.Output.Trim()}'.");
        }
    }

    internal static async Task<FileStream> AcquireLockAsync(
        string lockPath,
        CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(Path.GetDirectoryName(lockPath)!);
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(InstallTimeout);

        while (true)
        {
            try
            {
                // FileShare.None takes an exclusive lock (flock on Linux and macOS), released when the
                // stream closes, including when the holding process dies.
                return new FileStream(lockPath, FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
            }
            catch (IOException)
            {
                // Another process is installing; wait rather than run a second npm into the same folder.
            }

            try
            {
                await Task.Delay(LockRetryDelay, timeout.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                throw new InvalidOperationException(
                    $"Waited {InstallTimeout.TotalMinutes:0} minutes for '{lockPath}', " +
                    "held by another Azurite install. " +
                    "If no install is running, delete the file and rerun.");
            }
        }
    }

    internal static async Task<(int ExitCode, string Output)> RunAsync(
        string fileName,
        IReadOnlyList<string> arguments,
        TimeSpan timeout,
        CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo(fileName)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        var output = new StringBuilder();
        using var process = new Process { StartInfo = startInfo };
        process.OutputDataReceived += (_, e) => Append(output, e.Data);
        process.ErrorDataReceived += (_, e) => Append(output, e.Data);

        try
        {
            process.Start();
        }
        catch (Win32Exception ex)
        {
            // Thrown when the executable is not on PATH; a bare "file not found" would not say what to do.
            throw new InvalidOperationException(
                $"{NodeRequiredMessage} Could not start '{fileName}': {ex.Message}", ex);
        }

        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeoutSource.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(timeoutSource.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            if (cancellationToken.IsCancellationRequested)
            {
                throw;
            }

            throw new InvalidOperationException(
                $"'{fileName} {string.Join(' ', arguments)}' did not finish within " +
                $"{timeout.TotalSeconds:0} s:" +
                $"{Environment.NewLine}{Snapshot(output)}");
        }

        return (process.ExitCode, Snapshot(output));
    }

    private static void Append(StringBuilder output, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (output)
        {
            output.AppendLine(line);
        }
    }

    private static string Snapshot(StringBuilder output)
    {
        lock (output)
        {
            return output.ToString();
        }
    }
}
