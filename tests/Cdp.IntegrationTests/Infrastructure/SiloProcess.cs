using System.Diagnostics;
using System.Text;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>The real <c>Cdp.Silo</c> host in a process of its own, started with command-line settings.</summary>
public sealed class SiloProcess : IAsyncDisposable
{
    private static readonly TimeSpan StartDeadline = TimeSpan.FromSeconds(60);
    // Past the host's own shutdown timeout (30 s), so that a slow stop shows in the exit code and the output rather
    // than as this wait running out.
    private static readonly TimeSpan StopDeadline = TimeSpan.FromSeconds(60);

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource _ready = new(TaskCreationOptions.RunContinuationsAsynchronously);

    private SiloProcess(Process process, IReadOnlyList<string> settings)
    {
        _process = process;
        Settings = settings;
    }

    /// <summary>The command-line settings it was started with; <c>Start(Settings)</c> starts it again.</summary>
    public IReadOnlyList<string> Settings { get; }

    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    public bool HasExited => _process.HasExited;

    public int ExitCode => _process.ExitCode;

    /// <summary>Starts the silo built beside these tests (same configuration, Debug or Release).</summary>
    public static SiloProcess Start(params IReadOnlyList<string> settings)
    {
        var root = AzuriteInstall.FindRepositoryRoot();
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var silo = Path.Combine(root, "src", "Cdp.Silo", "bin", configuration, "net10.0", "Cdp.Silo.dll");
        if (!File.Exists(silo))
        {
            throw new InvalidOperationException($"The silo is not built at {silo}; build the solution first (dotnet build).");
        }

        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(silo)!,
        };
        info.ArgumentList.Add(silo);
        foreach (var setting in settings)
        {
            info.ArgumentList.Add(setting);
        }

        info.Environment["DOTNET_ENVIRONMENT"] = "Development";
        var process = new SiloProcess(new Process { StartInfo = info, EnableRaisingEvents = true }, [.. settings]);
        process.Begin();
        return process;
    }

    /// <summary>Waits for the host's ready line; fails with the output if it exits or takes too long.</summary>
    public async Task WaitUntilReadyAsync()
    {
        var exited = _process.WaitForExitAsync();
        var finished = await Task.WhenAny(_ready.Task, exited, Task.Delay(StartDeadline));
        if (finished != _ready.Task)
        {
            throw new InvalidOperationException($"The silo did not become ready. Output:{Environment.NewLine}{Output}");
        }
    }

    /// <summary>Asks the host to shut down (SIGTERM), then waits for the process to end; returns its exit code.</summary>
    public async Task<int> StopAsync()
    {
        if (!_process.HasExited && !Signals.Terminate(_process))
        {
            _process.Kill(entireProcessTree: true);
        }

        return await WaitForExitAsync();
    }

    /// <summary>Kills the process at once (SIGKILL on Linux): no shutdown code runs, as in a crash or an OOM kill.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
        }

        await WaitForExitAsync();
    }

    public async Task<int> WaitForExitAsync()
    {
        using var deadline = new CancellationTokenSource(StopDeadline);
        await _process.WaitForExitAsync(deadline.Token);
        return _process.ExitCode;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Begin()
    {
        _process.OutputDataReceived += (_, e) => Remember(e.Data);
        _process.ErrorDataReceived += (_, e) => Remember(e.Data);
        _process.Start();
        _process.BeginOutputReadLine();
        _process.BeginErrorReadLine();
    }

    private void Remember(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.AppendLine(line);
        }

        if (line.Contains("Cdp silo ready", StringComparison.Ordinal))
        {
            _ready.TrySetResult();
        }
    }
}
