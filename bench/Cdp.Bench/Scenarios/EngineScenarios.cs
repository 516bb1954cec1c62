using Cdp.Bench.Hosting;
using Cdp.Bench.Load;
using Cdp.Bench.Reporting;
using Cdp.Client;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// The scenarios on one silo with memory storage: the engine's ceiling (no-op calls), ingest single and batched,
/// identity resolution with new and known identifiers, merges, and open-loop latency.
/// </summary>
public sealed class EngineScenarios(BenchCluster cluster, SuiteSettings settings, RunReport report)
{
    private const int NoopKeys = 1_000;
    private const int BatchSize = 100;

    private readonly string _run = Guid.NewGuid().ToString("N")[..6];
    private string[] _pool = [];

    // Grain references are built once, as the SDK and the silo's coalescer keep theirs: Orleans resolves the interface
    // by reflection each time one is built, which would weigh on the no-op baseline more than on ingest.
    private readonly INoopGrain[] _hostedNoops = [.. Enumerable.Range(0, NoopKeys).Select(i => cluster.Hosted.GetGrain<INoopGrain>(i))];
    private readonly INoopGrain[] _externalNoops = [.. Enumerable.Range(0, NoopKeys).Select(i => cluster.External.GetGrain<INoopGrain>(i))];

    public IIngestGrain HostedIngest { get; } = cluster.Hosted.GetGrain<IIngestGrain>(0);

    /// <summary>Users known to the silo (seeded before measuring), for events that update existing customers.</summary>
    public string[] Pool => _pool;

    public async Task RunAsync()
    {
        var shape = settings.Shape;
        var workers = settings.Workers;
        var external = new CdpClient(cluster.External, new CdpClientOptions { Source = "bench" });

        _pool = [.. Enumerable.Range(0, settings.CustomerPool).Select(i => $"u-{_run}-{i}")];
        await SeedAsync(_pool.Select((u, i) => Events.Track(u, i)));
        await PrimeAsync(external);

        // The target pair (ingest against the no-op call) is measured in alternating blocks, per kind of client.
        Console.WriteLine("  no-op grain calls against ingest, memory storage");
        var hosted = await ClosedLoop.CompareAsync(
            workers, shape,
            n => _hostedNoops[n % NoopKeys].PingAsync(),
            n => HostedIngest.IngestAsync([Events.Track(_pool[n % _pool.Length], n)]));
        Add("noop.hosted", "No-op grain call", "none", "hosted", "calls/s", hosted.Baseline, null);
        Add("ingest.memory.hosted", "Ingest one event (known user id)", "memory", "hosted", "events/s", hosted.Scenario, "noop.hosted",
            hosted.Ratio);
        var externals = await ClosedLoop.CompareAsync(
            workers, shape,
            n => _externalNoops[n % NoopKeys].PingAsync(),
            n => external.SendAsync(Events.Track(_pool[n % _pool.Length], n)));
        var noopExternal = externals.Baseline;
        var ingestExternal = externals.Scenario;
        Add("noop.external", "No-op grain call", "none", "external", "calls/s", noopExternal, "noop.hosted");
        Add("ingest.memory.external", "Ingest one event (known user id)", "memory", "external", "events/s", ingestExternal,
            "noop.external", externals.Ratio);

        // Right after their closed loops, while the heap is smallest: memory storage keeps every event ingested, and
        // each scenario below adds gigabytes in the full run.
        Console.WriteLine("  open loop");
        await OpenLoopAsync(
            "noop.external", "No-op grain call", noopExternal.Median,
            n => _externalNoops[n % NoopKeys].PingAsync(), null);
        await OpenLoopAsync(
            "ingest.memory.external", "Ingest one event", ingestExternal.Median,
            n => external.SendAsync(Events.Track(_pool[n % _pool.Length], n)), "noop.external");

        Console.WriteLine("  ingest in batches");
        var batchHosted = await ClosedLoop.RunAsync(
            Math.Max(2, workers / 8), shape, n => HostedIngest.IngestAsync(Batch(n)), BatchSize);
        Add("ingest.memory.hosted.batch", $"Ingest batches of {BatchSize} events", "memory", "hosted", "events/s", batchHosted,
            "ingest.memory.hosted");
        var batchExternal = await ClosedLoop.RunAsync(
            Math.Max(2, workers / 8), shape, n => external.SendBatchAsync(Batch(n)), BatchSize);
        Add("ingest.memory.external.batch", $"Ingest batches of {BatchSize} events", "memory", "external", "events/s",
            batchExternal, "ingest.memory.external");

        Console.WriteLine("  identity resolution and merges");
        var fresh = await ClosedLoop.RunAsync(
            workers, shape, n => HostedIngest.IngestAsync([Events.TrackWithIdentifiers($"new-{_run}-{n}", n)]));
        Add("identity.new", "Ingest, 4 new identifiers (new customer)", "memory", "hosted", "events/s", fresh, "ingest.memory.hosted");
        var knownKeys = Enumerable.Range(0, settings.CustomerPool).Select(i => $"known-{_run}-{i}").ToArray();
        await SeedAsync(knownKeys.Select((k, i) => Events.TrackWithIdentifiers(k, i)));
        var known = await ClosedLoop.RunAsync(
            workers, shape, n => HostedIngest.IngestAsync([Events.TrackWithIdentifiers(knownKeys[n % knownKeys.Length], n)]));
        Add("identity.known", "Ingest, 4 known identifiers", "memory", "hosted", "events/s", known, "ingest.memory.hosted");
        await MergesAsync();
    }

    // Every code path once through the JIT's tiers before anything is measured, so that the scenario measured first
    // is not the one that pays for compilation.
    private async Task PrimeAsync(CdpClient external)
    {
        for (var round = 0; round < 3; round++)
        {
            await Task.WhenAll(Enumerable.Range(0, 64).Select(async i =>
            {
                await _hostedNoops[i].PingAsync();
                await _externalNoops[i].PingAsync();
                await HostedIngest.IngestAsync([Events.Track(_pool[i], i)]);
                await external.SendAsync(Events.Track(_pool[i], i));
                await HostedIngest.IngestAsync([Events.TrackWithIdentifiers($"prime-{_run}-{round}-{i}", i)]);
            }));
            await HostedIngest.IngestAsync(Batch(round));
            await external.SendBatchAsync(Batch(round));
        }
    }

    /// <summary>A batch of events for different known customers, as a tracker's or importer's batch would be.</summary>
    public CdpEvent[] Batch(long n)
    {
        var batch = new CdpEvent[BatchSize];
        for (var i = 0; i < batch.Length; i++)
        {
            var k = (n * BatchSize) + i;
            batch[i] = Events.Track(_pool[k % _pool.Length], k);
        }

        return batch;
    }

    private async Task MergesAsync()
    {
        // Each pair: customer A known by user id, customer B by email; one identify call naming both merges B into A.
        var perBlock = settings.MergesPerBlock;
        var pairs = perBlock * (settings.Shape.Blocks + 1);
        var users = Enumerable.Range(0, pairs).Select(i => $"m-{_run}-{i}").ToArray();
        await SeedAsync(users.Select((u, i) => Events.Track(u, i)));
        await SeedAsync(users.Select((u, i) => Events.Track(u, i) with
        {
            UserId = null,
            Identifiers = [new ExternalId(IdentifierTypes.Email, u + "@example.com")],
        }));

        var merges = await ClosedLoop.RunAsync(
            settings.Workers, settings.Shape,
            n => HostedIngest.IngestAsync([Events.Identify(users[n], new() { ["email"] = users[n] + "@example.com" })]),
            maxPerBlock: perBlock);
        Add("identity.merge", "Merge two customers (one linking event each)", "memory", "hosted", "merges/s", merges,
            "ingest.memory.hosted");
    }

    private async Task OpenLoopAsync(string id, string title, double maximum, Func<long, Task> operation, string? baseline)
    {
        foreach (var share in new[] { 0.5, 0.8 })
        {
            var result = await OpenLoop.RunAsync(maximum * share, settings.OpenLoopDuration, operation);
            report.Latencies.Add(new LatencyMeasurement(id, title, "external", "closed-loop max", share, result, baseline));
            Console.WriteLine($"    {title} at {share:P0}: {result.AchievedRate:N0}/s, p50 {result.P50:0.00} ms, " +
                $"p99 {result.P99:0.00} ms; {result.Dropped} dropped, {result.Failed} failed{GcText(result.Gc)}");
        }
    }

    /// <summary>Ingests events before a measurement, in batches of unrelated events, several at once.</summary>
    public Task SeedAsync(IEnumerable<CdpEvent> events) => SeedAsync(HostedIngest, events);

    /// <inheritdoc cref="SeedAsync(IEnumerable{CdpEvent})"/>
    public static async Task SeedAsync(IIngestGrain ingest, IEnumerable<CdpEvent> events)
    {
        var chunks = events.Chunk(250).ToList();
        using var gate = new SemaphoreSlim(4);
        await Task.WhenAll(chunks.Select(async chunk =>
        {
            await gate.WaitAsync();
            try
            {
                await ingest.IngestAsync(chunk);
            }
            finally
            {
                gate.Release();
            }
        }));
    }

    private void Add(
        string id, string title, string storage, string client, string unit, Throughput t, string? baseline, Throughput? ratio = null)
    {
        var m = Measurement.Of(id, title, storage, client, unit, t, baseline);
        if (ratio is not null)
        {
            m.Ratio = ratio.Median;
            m.Details["ratio min"] = ratio.Min;
            m.Details["ratio max"] = ratio.Max;
        }

        report.Measurements.Add(m);
        Console.WriteLine($"    {title} [{client}]: {t.Median:N0} {unit} ({t.Min:N0} – {t.Max:N0}){GcText(t.Gc)}");
    }

    internal static string GcText(GcUse? gc) => gc is null
        ? ""
        : $"; GC paused {gc.PauseShare:P1}, {gc.Gen2} gen2, heap {gc.HeapBytes / 1048576.0:N0} MB";
}
