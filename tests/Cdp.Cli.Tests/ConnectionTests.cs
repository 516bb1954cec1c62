using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

public sealed class ConnectionTests
{
    [Fact]
    public async Task Settings_FileThenEnvironmentThenOptions_LaterSourcesWin()
    {
        var connector = new FixedConnector(new RefusingClient());
        using var cli = new CliHarness(connector);
        cli.Write("cdp.json", """
            { "Cdp": { "Client": { "GatewayPorts": [1111, 2222], "ClusterId": "file-cluster", "ServiceId": "file-service" } } }
            """);
        cli.Environment["CDP_CONFIG"] = "cdp.json";
        cli.Environment["Cdp__Client__ServiceId"] = "env-service";
        cli.Environment["CDP_CLUSTER_ID"] = "env-cluster";

        var fromFileAndEnvironment = await cli.RunAsync("profile", "email:a@example.com");
        var fileOptions = connector.Options!;
        var withOptions = await cli.RunAsync("profile", "email:a@example.com", "--gateway", "3333", "--cluster-id", "cli-cluster");

        Assert.Equal(4, fromFileAndEnvironment.ExitCode);
        Assert.Equal([1111, 2222], fileOptions.GatewayPorts);
        Assert.Equal(("env-cluster", "env-service"), (fileOptions.ClusterId, fileOptions.ServiceId));
        Assert.Equal(4, withOptions.ExitCode);
        var options = connector.Options!;
        Assert.Equal([3333], options.GatewayPorts);
        Assert.Equal(("cli-cluster", "env-service"), (options.ClusterId, options.ServiceId));
    }

    [Fact]
    public async Task Settings_MissingConfigFileOrBadPort_ExitTwo()
    {
        using var cli = new CliHarness(new RefusingClient());

        var missing = await cli.RunAsync("profile", "email:a@example.com", "--config", "nope.json");
        var badPort = await cli.RunAsync("profile", "email:a@example.com", "--gateway", "70000");

        Assert.Equal((2, "cdp profile: the config file nope.json does not exist.\n"), (missing.ExitCode, missing.Error));
        Assert.Equal((2, "cdp profile: --gateway must list gateway ports (1-65535, comma-separated), not '70000'.\n"),
            (badPort.ExitCode, badPort.Error));
    }

    [Fact]
    public async Task Connect_NoSiloOnThePort_ExitsThreeWithOneLine()
    {
        var port = FreePorts.Take(1)[0];
        using var cli = new CliHarness(new OrleansConnector());

        var result = await cli.RunAsync("profile", "email:a@example.com", "--gateway", $"{port}", "--connect-timeout", "1");

        Assert.Equal(3, result.ExitCode);
        Assert.Equal("", result.Out);
        Assert.Matches($"^cdp profile: (the cluster did not answer|cannot reach the cluster) at gateway port {port} " +
            @"\(cluster 'cdp-local', service 'cdp'\)[^\n]*\n$", result.Error);
    }
}
