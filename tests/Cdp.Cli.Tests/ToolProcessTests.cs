using System.Diagnostics;
using System.Text.Json;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

/// <summary>The built tool as a process of its own, against the real silo host in another process.</summary>
public sealed class ToolProcessTests : IDisposable
{
    private static readonly TimeSpan ToolDeadline = TimeSpan.FromSeconds(60);

    private readonly string _folder = Directory.CreateTempSubdirectory("cdp-cli-process-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task Tool_ImportsTheSampleExportIntoTheSiloHostAndLooksUpAProfile()
    {
        var ports = FreePorts.Take(3);
        await using var silo = SiloProcess.Start(
            $"--Cdp:Silo:SiloPort={ports[0]}", $"--Cdp:Silo:GatewayPort={ports[1]}", $"--Cdp:Silo:DashboardPort={ports[2]}",
            "--Cdp:Silo:ServiceId=cli-process-test");
        await silo.WaitUntilReadyAsync();
        var samples = Path.Combine(AzuriteInstall.FindRepositoryRoot(), "samples", "crm");
        var connection = new[] { "--gateway", $"{ports[1]}", "--service-id", "cli-process-test" };

        var contacts = await RunToolAsync(["import", Path.Combine(samples, "contacts.csv"), "--source", "crm", "--json", .. connection]);
        var orders = await RunToolAsync(
            ["import", Path.Combine(samples, "orders.csv"), "--mapping", Path.Combine(samples, "orders.mapping.json"), .. connection]);
        var profile = await RunToolAsync(["profile", "email:ada.lindqvist@example.com", "--json", .. connection]);
        var nobody = await RunToolAsync(["profile", "email:nobody@example.com", .. connection]);

        Assert.Equal((0, ""), (contacts.ExitCode, contacts.Error));
        Assert.Equal(20, JsonDocument.Parse(contacts.Out).RootElement.GetProperty("applied").GetInt32());
        Assert.Equal((0, ""), (orders.ExitCode, orders.Error));
        Assert.Contains(": 15 applied, 0 duplicates, 0 rejected; source 'shop'.", orders.Out, StringComparison.Ordinal);
        Assert.Equal((0, ""), (profile.ExitCode, profile.Error));
        var root = JsonDocument.Parse(profile.Out).RootElement;
        Assert.Equal("Lindqvist", root.GetProperty("traits").GetProperty("last_name").GetProperty("value").GetString());
        Assert.Equal((3, 500m), (root.GetProperty("events").GetProperty("Order Completed").GetProperty("count").GetInt32(),
            root.GetProperty("events").GetProperty("Order Completed").GetProperty("sum").GetDecimal()));
        Assert.Equal((4, "cdp profile: no customer has the identifier email:nobody@example.com.\n"), (nobody.ExitCode, nobody.Error));
        Assert.Equal(0, await silo.StopAsync());
    }

    private async Task<CliResult> RunToolAsync(string[] args)
    {
        var configuration = new DirectoryInfo(Path.TrimEndingDirectorySeparator(AppContext.BaseDirectory)).Parent!.Name;
        var tool = Path.Combine(AzuriteInstall.FindRepositoryRoot(), "src", "Cdp.Cli", "bin", configuration, "net10.0", "Cdp.Cli.dll");
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
            WorkingDirectory = _folder,
        };
        info.ArgumentList.Add(tool);
        foreach (var arg in args)
        {
            info.ArgumentList.Add(arg);
        }

        using var process = Process.Start(info)!;
        process.StandardInput.Close();
        var output = process.StandardOutput.ReadToEndAsync();
        var error = process.StandardError.ReadToEndAsync();
        using var deadline = new CancellationTokenSource(ToolDeadline);
        await process.WaitForExitAsync(deadline.Token);
        return new CliResult(process.ExitCode, (await output).ReplaceLineEndings("\n"), (await error).ReplaceLineEndings("\n"));
    }
}
