using System.Text.Json;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.Cli.Tests;

/// <summary><c>cdp export</c> and <c>cdp erase</c>, in-process against the collection's cluster.</summary>
[Collection(MemoryClusterCollection.Name)]
public sealed class PrivacyCommandTests(MemoryClusterFixture fixture) : IDisposable
{
    private readonly CliHarness _cli = new(fixture.Client);
    private readonly ICdpClient _client = fixture.Client;

    public void Dispose() => _cli.Dispose();

    [Fact]
    public async Task ExportThenErase_WritesTheDocument_ErasesWithTheRequester_AndReportsNothingFoundAfter()
    {
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("cli-privacy"));
        var first = await _client.IdentifyAsync(user, new() { ["name"] = "Grace" });
        await _client.TrackAsync(user, "Order Completed");

        var export = await _cli.RunAsync("export", user.ToString(), "--out", _cli.PathOf("export.json"));
        var missingBy = await _cli.RunAsync("erase", user.ToString());
        var erase = await _cli.RunAsync("erase", user.ToString(), "--by", "support desk");
        var again = await _cli.RunAsync("erase", user.ToString(), "--by", "support desk");
        var exportAfter = await _cli.RunAsync("export", user.ToString());

        Assert.Equal(0, export.ExitCode);
        using var document = JsonDocument.Parse(_cli.Read("export.json"));
        Assert.Equal(first.CustomerId, document.RootElement.GetProperty("profile").GetProperty("customerId").GetString());
        Assert.Equal(2, document.RootElement.GetProperty("events").GetArrayLength());
        Assert.Equal(2, missingBy.ExitCode);
        Assert.Equal(0, erase.ExitCode);
        Assert.StartsWith($"Erased customer {first.CustomerId} (request p", erase.Out, StringComparison.Ordinal);
        Assert.Contains(": 1 customers, 1 identifiers, 2 archived events in ", erase.Out, StringComparison.Ordinal);
        Assert.Equal(4, again.ExitCode);
        Assert.StartsWith($"cdp erase: no customer has the identifier {user}; nothing changed", again.Error, StringComparison.Ordinal);
        Assert.Equal(4, exportAfter.ExitCode);
        var audit = await _client.GetPrivacyAuditAsync();
        Assert.Single(audit, e => e.Kind == PrivacyRequestKind.Erasure && e.RequestedBy == "support desk" &&
            e.CustomerId == first.CustomerId && e.Outcome == PrivacyRequestStatus.Completed);
    }
}
