using System.Diagnostics;
using Cdp.Bench.Hosting;
using Cdp.Bench.Load;
using Cdp.Bench.Reporting;
using Cdp.Grains.Archive;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// Durable ingest: a silo on Azure Table storage (a private Azurite, started the way the integration tests start
/// it), the event archive and the profile snapshots both there. Counts storage writes two ways: archive appends
/// seen by a decorator around the real archive, and every non-GET HTTP request the Azure SDK sends to Azurite.
/// </summary>
public static class DurableScenario
{
    private const int BatchSize = 100;

    /// <summary>
    /// Measures durable ingest and returns Azurite's stop, which may still be running. Azurite exits on SIGINT only
    /// once its clients' connections close, and the Azure SDK keeps them open in its shared pool after the silo stops,
    /// so the fixture often waits out its 10 s grace and then kills it. That wait uses no CPU: the caller runs the
    /// next scenario meanwhile and awaits the stop before the process ends.
    /// </summary>
    public static async Task<Task> RunAsync(SuiteSettings settings, RunReport report)
    {
        Console.WriteLine("  durable ingest on Azurite");
        var clock = Stopwatch.StartNew();
        var azurite = new AzuriteFixture();
        try
        {
            await azurite.InitializeAsync();
        }
        catch (InvalidOperationException ex)
        {
            report.Skipped.Add($"durable ingest on Azurite: {ex.Message.Split('\n')[0]}");
            Console.WriteLine($"    skipped: {ex.Message.Split('\n')[0]}");
            await azurite.DisposeAsync();
            return Task.CompletedTask;
        }

        Console.WriteLine($"    Azurite listening after {clock.Elapsed.TotalSeconds:0.0} s");
        try
        {
            await RunLoopsAsync(azurite, settings, report, clock);
        }
        catch
        {
            await azurite.DisposeAsync();
            throw;
        }

        return StopAsync(azurite, clock);
    }

    private static async Task StopAsync(AzuriteFixture azurite, Stopwatch clock)
    {
        await azurite.DisposeAsync();
        Console.WriteLine($"    (Azurite stopped {clock.Elapsed.TotalSeconds:0.0} s after the durable scenario began)");
    }

    private static async Task RunLoopsAsync(AzuriteFixture azurite, SuiteSettings settings, RunReport report, Stopwatch clock)
    {
        using var requests = new StorageRequestCounter(azurite.TablePort);
        CountingArchive? archive = null;
        await using var cluster = await BenchCluster.StartAsync(
            o =>
            {
                o.Storage.Provider = CdpStorageProvider.AzureTable;
                o.Storage.ConnectionString = azurite.ConnectionString;
                o.Privacy.SuppressionSalt = "bench-salt-for-erased-identifiers";
            },
            services =>
            {
                var table = (IEventArchive)services.Last(s => s.ServiceType == typeof(IEventArchive)).ImplementationInstance!;
                archive = new CountingArchive(table);
                services.AddSingleton<IEventArchive>(archive);
            });

        Console.WriteLine($"    silo on Azurite started after {clock.Elapsed.TotalSeconds:0.0} s");
        var ingest = cluster.Hosted.GetGrain<IIngestGrain>(0);
        var run = Guid.NewGuid().ToString("N")[..6];
        var customers = Math.Min(settings.CustomerPool, settings.Mode == "quick" ? 100 : 2_000);
        var pool = Enumerable.Range(0, customers).Select(i => $"d-{run}-{i}").ToArray();
        foreach (var chunk in pool.Select((u, i) => Events.Track(u, i)).Chunk(250))
        {
            await ingest.IngestAsync(chunk);
        }

        Console.WriteLine($"    {pool.Length:N0} customers seeded after {clock.Elapsed.TotalSeconds:0.0} s");

        await MeasureAsync(
            report, archive!, requests, "durable.hosted", "Durable ingest, one event per call", 1,
            ClosedLoop.RunAsync(
                settings.Workers, settings.Shape, n => ingest.IngestAsync([Events.Track(pool[n % pool.Length], n)])));

        await MeasureAsync(
            report, archive!, requests, "durable.hosted.batch", $"Durable ingest, batches of {BatchSize}", BatchSize,
            ClosedLoop.RunAsync(
                Math.Max(2, settings.Workers / 8), settings.Shape, n => ingest.IngestAsync(Batch(pool, n)), BatchSize));
    }

    private static async Task MeasureAsync(
        RunReport report, CountingArchive archive, StorageRequestCounter requests, string id, string title, int perCall,
        Task<Throughput> loop)
    {
        var (events0, appends0, transactions0, writes0, reads0) =
            (archive.Events, archive.Appends, archive.Transactions, requests.Writes, requests.Reads);
        var result = await loop;
        var events = (double)(archive.Events - events0);
        var writes = requests.Writes - writes0;
        var m = Measurement.Of(id, title, "azurite", "hosted", "events/s", result,
            perCall == 1 ? "ingest.memory.hosted" : "ingest.memory.hosted.batch");
        m.Details["events per storage write"] = writes == 0 ? double.NaN : events / writes;
        m.Details["events per archive transaction"] = events / Math.Max(1, archive.Transactions - transactions0);
        m.Details["archive appends per call"] = (archive.Appends - appends0) / Math.Max(1, events / perCall);
        m.Details["storage reads per event"] = (requests.Reads - reads0) / Math.Max(1, events);
        report.Measurements.Add(m);
        Console.WriteLine($"    {title}: {result.Median:N0} events/s ({result.Min:N0} – {result.Max:N0}); " +
            $"{m.Details["events per storage write"]:0.00} events per storage write");
    }

    private static CdpEvent[] Batch(string[] pool, long n)
    {
        var batch = new CdpEvent[BatchSize];
        for (var i = 0; i < batch.Length; i++)
        {
            var k = (n * BatchSize) + i;
            batch[i] = Events.Track(pool[k % pool.Length], k);
        }

        return batch;
    }
}
