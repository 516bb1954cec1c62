using System.Diagnostics;
using System.Globalization;
using System.Text.RegularExpressions;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// Three silo processes on Azure Table clustering and storage (Azurite), with SDK clients that retry every
/// event until it is acknowledged, while silos are killed and restarted or stopped. Afterwards every
/// customer's profile counts exactly the acknowledged messageIds, and the archive holds each of them once.
/// </summary>
/// <remarks>
/// The default run chaoses for 20 seconds. <c>CDP_SOAK_MINUTES=10</c> runs the same test for ten minutes
/// (see the README's "Crash test and soak").
/// </remarks>
[Collection(AzuriteCollection.Name)]
public sealed partial class CrashTests(AzuriteFixture azurite, ProcessClusterFixture fixture, ITestOutputHelper output)
    : IClassFixture<ProcessClusterFixture>
{
    private const int Customers = 50;
    private const int Workers = 12;
    private static readonly TimeSpan ShortChaos = TimeSpan.FromSeconds(20);
    private static readonly TimeSpan DrainDeadline = TimeSpan.FromSeconds(90);

    [Fact]
    public async Task Chaos_SilosKilledAndRestartedUnderLoad_EveryAcknowledgedEventCountsExactlyOnce()
    {
        var cluster = await fixture.GetAsync(azurite.ConnectionString);
        await cluster.EnsureAllRunningAsync();
        var chaosTime = ChaosTime();
        var senders = new RetryingSenders(TestIds.New("chaos"), Customers);
        var kills = new List<(int Silo, TimeSpan At)>();
        var restarts = new List<TimeSpan>();

        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource(chaosTime + DrainDeadline);
        var load = senders.RunAsync(cluster.Clients, Workers, stop.Token, abort.Token);
        var random = new Random(2024);
        var chaos = Stopwatch.StartNew();
        while (chaos.Elapsed < chaosTime)
        {
            // The pace of the chaos, not a wait for a condition: a silo dies every 2 to 5 seconds of uptime.
            await Task.Delay(TimeSpan.FromMilliseconds(random.Next(2_000, 5_000)));
            var victim = random.Next(cluster.Count);
            kills.Add((victim, senders.Now));
            await cluster.KillAsync(victim);
            var restart = Stopwatch.StartNew();
            await cluster.StartSiloAsync(victim);
            restarts.Add(restart.Elapsed);
        }

        await stop.CancelAsync();
        await load;
        var unexpected = await cluster.EnsureAllRunningAsync();

        await AssertExactAsync(cluster.Clients[0], senders);
        var recoveries = kills.Select(k => senders.RecoveryAfter(k.At, Workers)).OfType<TimeSpan>().Order().ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{chaosTime.TotalSeconds:0} s of chaos: {kills.Count} kills (silos {string.Join(",", kills.Select(k => k.Silo))}), "
            + $"{senders.Acknowledged.Count} events acknowledged, {senders.Retried} needed a retry, "
            + $"{senders.FailedAttempts} failed attempts ({senders.Errors}); silos that stopped on their own: {unexpected}"));
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"restart to ready: {Seconds(restarts)}; recovery (every worker acknowledged again) after a kill: "
            + $"{Seconds(recoveries)}; longest wait of one event: {senders.LongestWait.TotalSeconds:0.0} s"));
        Assert.NotEmpty(kills);
    }

    [Fact]
    public async Task GracefulStop_SiloStoppedWithCallsInFlight_ExitsCleanlyAndEveryAcknowledgedEventCountsOnce()
    {
        var cluster = await fixture.GetAsync(azurite.ConnectionString);
        await cluster.EnsureAllRunningAsync();
        var senders = new RetryingSenders(TestIds.New("graceful"), Customers);
        using var stop = new CancellationTokenSource();
        using var abort = new CancellationTokenSource(DrainDeadline);
        var load = senders.RunAsync(cluster.Clients, Workers, stop.Token, abort.Token);

        await senders.WaitForAcknowledgedAsync(100);
        var stopping = cluster.Silo(1);
        var shutdown = Stopwatch.StartNew();
        var exitCode = await cluster.StopAsync(1);
        shutdown.Stop();
        var before = senders.Acknowledged.Count;
        await cluster.StartSiloAsync(1);
        await senders.WaitForAcknowledgedAsync(before + 100);
        await stop.CancelAsync();
        await load;

        Assert.Equal(0, exitCode);
        await AssertExactAsync(cluster.Clients[0], senders);
        var inFlight = StoppingLine().Match(stopping.Output) is { Success: true } m ? m.Groups[1].Value : "?";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"stopped with {inFlight} ingest call(s) in flight in {shutdown.Elapsed.TotalSeconds:0.0} s; "
            + $"{senders.Acknowledged.Count} events acknowledged, {senders.Retried} needed a retry ({senders.Errors})"));
    }

    private static TimeSpan ChaosTime() =>
        Environment.GetEnvironmentVariable("CDP_SOAK_MINUTES") is { Length: > 0 } text
            ? TimeSpan.FromMinutes(double.Parse(text, CultureInfo.InvariantCulture))
            : ShortChaos;

    private static string Seconds(IEnumerable<TimeSpan> times) =>
        times.Any()
            ? string.Create(CultureInfo.InvariantCulture, $"min {times.Min().TotalSeconds:0.0} s, max {times.Max().TotalSeconds:0.0} s")
            : "none";

    // Every customer: profile counts equal the acknowledged messageIds, and the archive holds exactly those, once each.
    private static async Task AssertExactAsync(ICdpClient client, RetryingSenders senders)
    {
        var byUser = senders.Acknowledged
            .GroupBy(a => a.Value)
            .ToDictionary(g => g.Key, g => g.Select(a => a.Key).Order(StringComparer.Ordinal).ToList());
        foreach (var user in senders.UserIds)
        {
            var id = new ExternalId(IdentifierTypes.UserId, user);
            var expected = byUser.GetValueOrDefault(user) ?? [];
            var profile = await Eventually.Async(ct => client.GetProfileAsync(id, ct));
            var archived = await Eventually.Async(async ct => await client.ReadAllEventsAsync(id, cancellationToken: ct).ToListAsync(ct));

            Assert.Equal(
                (user, (long)expected.Count, (long)expected.Count, (decimal)expected.Count),
                (user, profile?.EventCount ?? 0, profile?.Events.GetValueOrDefault("Order Completed")?.Count ?? 0,
                    profile?.Events.GetValueOrDefault("Order Completed")?.Sum ?? 0));
            Assert.Equal(expected, archived.Select(e => e.Event.MessageId!).Order(StringComparer.Ordinal));
        }
    }

    [GeneratedRegex(@"stopping with (\d+) ingest call")]
    private static partial Regex StoppingLine();
}

/// <summary>
/// One process cluster for the tests of <see cref="CrashTests"/>, started by the first of them (xunit runs the
/// tests of one class one after another, so no lock is needed).
/// </summary>
public sealed class ProcessClusterFixture : IAsyncLifetime
{
    private ProcessCluster? _cluster;

    public async Task<ProcessCluster> GetAsync(string connectionString) =>
        _cluster ??= await ProcessCluster.StartAsync(connectionString, silos: 3, clients: 3);

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

/// <summary>Reads that right after a restart may meet a grain still being moved: retried until they succeed, with a deadline.</summary>
internal static class Eventually
{
    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);
    private static readonly TimeSpan AttemptTimeout = TimeSpan.FromSeconds(10);

    public static async Task<T> Async<T>(Func<CancellationToken, Task<T>> read)
    {
        var clock = Stopwatch.StartNew();
        while (true)
        {
            using var attempt = new CancellationTokenSource(AttemptTimeout);
            try
            {
                return await read(attempt.Token);
            }
            catch (Exception ex) when (ex is not Xunit.Sdk.XunitException && clock.Elapsed < Deadline)
            {
                // Pacing between attempts of an idempotent read.
                await Task.Delay(TimeSpan.FromMilliseconds(200));
            }
        }
    }
}
