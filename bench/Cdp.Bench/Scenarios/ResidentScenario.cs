using System.Diagnostics;
using Cdp.Bench.Hosting;
using Cdp.Bench.Reporting;
using Cdp.Grains.Archive;
using Cdp.Grains.Hosting;
using Cdp.Grains.Identity;
using Cdp.Grains.Privacy;
using Microsoft.Extensions.DependencyInjection;
using Orleans.Configuration;
using Orleans.Storage;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// Resident customers. Each customer gets the typical profile (20 traits, 5 identifiers, 10 consent entries,
/// 100 recent events) in one call of 101 events; the silo's heap is measured with
/// <see cref="GC.GetTotalMemory(bool)"/> after a full collection, before and after, at growing scales. The archive
/// and grain storage keep nothing in this silo (with Azure Table storage they live outside it), so the figure is
/// what the grains themselves hold: the customer grain and its five identity grains. Baselines: the same profiles
/// built on a dictionary (the profile data itself), and bare no-op grain activations.
/// </summary>
public static class ResidentScenario
{
    private const int Concurrency = 16;
    private static readonly TimeSpan IdentityIdleAfter = TimeSpan.FromSeconds(2);

    public static async Task RunAsync(SuiteSettings settings, RunReport report)
    {
        Console.WriteLine("  resident customers");
        var start = DateTimeOffset.UtcNow.AddDays(-1);
        var profileBytes = DictionaryProfiles(settings.ResidentScales[0], start, report);

        // Identity grains idle out within seconds here rather than minutes, so that the steady state (customers resident,
        // their identity grains collected because the route cache spares them every call) is reached within the run.
        await using var cluster = await BenchCluster.StartAsync(
            o =>
            {
                o.Profile.SnapshotEvery = 50;
                o.Identity.IdleAfter = IdentityIdleAfter;
            },
            services =>
            {
                services.Configure<GrainCollectionOptions>(c => c.CollectionQuantum = TimeSpan.FromSeconds(1));
                services.AddSingleton<IEventArchive, DiscardingArchive>();
                services.AddKeyedSingleton<IGrainStorage>(CdpStorageNames.Profiles, (_, _) => new DiscardingGrainStorage());
            });
        if (cluster.SiloServices.GetRequiredKeyedService<IGrainStorage>(CdpStorageNames.Profiles) is not DiscardingGrainStorage)
        {
            throw new InvalidOperationException(
                "The resident silo did not take the discarding grain storage; its memory figures would be wrong.");
        }

        var grains = cluster.Hosted;
        await NoopActivationsAsync(grains, settings.ResidentScales[0], report);

        var ingest = grains.GetGrain<IIngestGrain>(0);
        var management = grains.GetGrain<IManagementGrain>(0);
        var activations0 = await management.GetTotalActivationCount();
        var heap0 = Heap();
        var created = 0;
        var run = Guid.NewGuid().ToString("N")[..6];
        foreach (var scale in settings.ResidentScales)
        {
            if (created > 0 && !Fits(scale, created, Heap() - heap0))
            {
                report.Skipped.Add($"resident customers at {scale:N0}: the projected heap would not fit in the memory available now");
                break;
            }

            var clock = Stopwatch.StartNew();
            var from = created;
            await ForEachAsync(from, scale, i => ingest.IngestAsync(Events.TypicalCustomer($"r-{run}-{i}", start)));
            var rate = (scale - from) / clock.Elapsed.TotalSeconds;
            created = scale;

            var perCustomer = (Heap() - heap0) / (double)created;
            var activations = (await management.GetTotalActivationCount() - activations0) / (double)created;
            var m = new Measurement
            {
                Id = $"resident.{scale}",
                Title = $"Resident typical customers, {scale:N0}",
                Storage = "discarded",
                Client = "hosted",
                Unit = "bytes/customer",
                Value = perCustomer,
                Baseline = "resident.dictionary",
            };
            m.Details["customers created per second"] = rate;
            m.Details["activations per customer"] = activations;
            m.Details["bytes beyond the profile data"] = perCustomer - profileBytes;
            report.Measurements.Add(m);
            Console.WriteLine(
                $"    {scale:N0} customers: {perCustomer:N0} B each ({perCustomer - profileBytes:N0} B beyond the profile), " +
                $"{rate:N0} customers/s, {activations:0.0} activations each");

            await SteadyStateAsync(management, activations0, heap0, created, profileBytes, report);
        }
    }

    // Once the identity grains have idled out, what stays is what a long-running silo holds per customer.
    private static async Task SteadyStateAsync(
        IManagementGrain management, int activations0, long heap0, int created, double profileBytes, RunReport report)
    {
        var clock = Stopwatch.StartNew();
        var deadline = TimeSpan.FromSeconds(60);
        while (await IdentityActivationsAsync(management) > 0 && clock.Elapsed < deadline)
        {
            await Task.Delay(250);
        }

        var resident = await management.GetTotalActivationCount() - activations0;

        var perCustomer = (Heap() - heap0) / (double)created;
        var m = new Measurement
        {
            Id = $"resident-idle.{created}",
            Title = $"Resident typical customers, {created:N0}, identity grains idle",
            Storage = "discarded",
            Client = "hosted",
            Unit = "bytes/customer",
            Value = perCustomer,
            Baseline = "resident.dictionary",
        };
        m.Details["activations per customer"] = resident / (double)created;
        m.Details["bytes beyond the profile data"] = perCustomer - profileBytes;
        m.Details["seconds until identity grains idled out"] = clock.Elapsed.TotalSeconds;
        report.Measurements.Add(m);
        Console.WriteLine(
            $"    {created:N0} customers, identity grains idle after {clock.Elapsed.TotalSeconds:0.0} s: {perCustomer:N0} B each " +
            $"({perCustomer - profileBytes:N0} B beyond the profile), {resident / (double)created:0.00} activations each");
    }

    // Identity and suppression grains still active: the ones that idle out after Cdp:Identity:IdleAfter.
    private static async Task<int> IdentityActivationsAsync(IManagementGrain management)
    {
        var statistics = await management.GetSimpleGrainStatistics();
        return statistics.Where(s => Is<IdentityGrain>(s.GrainType) || Is<SuppressionGrain>(s.GrainType)).Sum(s => s.ActivationCount);

        // The runtime names a grain class by its full name, with the assembly after a comma.
        static bool Is<T>(string grainType) =>
            grainType.StartsWith(typeof(T).FullName!, StringComparison.Ordinal)
            && (grainType.Length == typeof(T).FullName!.Length || grainType[typeof(T).FullName!.Length] == ',');
    }

    // The same 101 events applied by the same builder into profiles held in a dictionary: the profile data itself.
    private static double DictionaryProfiles(int count, DateTimeOffset start, RunReport report)
    {
        var builder = FloorScenario.NewBuilder();
        var before = Heap();
        var profiles = new Dictionary<string, CustomerProfile>(count, StringComparer.Ordinal);
        for (var i = 0; i < count; i++)
        {
            var profile = new CustomerProfile { CustomerId = "c" + Guid.CreateVersion7().ToString("N") };
            var sequence = 0L;
            foreach (var evt in Events.TypicalCustomer($"p-{i}", start))
            {
                var routed = evt with
                {
                    ReceivedAt = DateTimeOffset.UtcNow,
                    Identifiers = Cdp.Grains.Domain.Identifiers.Extract(evt),
                };
                builder.Apply(profile, routed, ++sequence);
            }

            profiles[profile.CustomerId] = profile;
        }

        var perProfile = (Heap() - before) / (double)count;
        GC.KeepAlive(profiles);
        report.Measurements.Add(new Measurement
        {
            Id = "resident.dictionary",
            Title = $"Typical profile on a Dictionary, {count:N0}",
            Storage = "none",
            Client = "in-process",
            Unit = "bytes/customer",
            Value = perProfile,
        });
        Console.WriteLine($"    dictionary baseline: {perProfile:N0} B per typical profile");
        return perProfile;
    }

    private static async Task NoopActivationsAsync(IGrainFactory grains, int count, RunReport report)
    {
        var heap = Heap();
        var clock = Stopwatch.StartNew();
        await ForEachAsync(0, count, i => grains.GetGrain<INoopGrain>(10_000_000 + i).PingAsync());
        var rate = count / clock.Elapsed.TotalSeconds;
        var m = new Measurement
        {
            Id = "activations.noop",
            Title = $"No-op grain activations, {count:N0}",
            Storage = "none",
            Client = "hosted",
            Unit = "activations/s",
            Value = rate,
        };
        m.Details["bytes per activation"] = (Heap() - heap) / (double)count;
        report.Measurements.Add(m);
        Console.WriteLine($"    no-op activations: {rate:N0}/s, {m.Details["bytes per activation"]:N0} B each");
    }

    private static async Task ForEachAsync(int from, int to, Func<int, Task> operation)
    {
        var next = from - 1;
        await Task.WhenAll(Enumerable.Range(0, Concurrency).Select(async _ =>
        {
            await Task.Yield();
            int i;
            while ((i = Interlocked.Increment(ref next)) < to)
            {
                await operation(i);
            }
        }));
    }

    // The next scale must fit in half of what the machine has available now (other work shares it).
    private static bool Fits(int scale, int created, long used)
    {
        var info = GC.GetGCMemoryInfo();
        var available = info.TotalAvailableMemoryBytes - info.MemoryLoadBytes;
        return used / (double)created * (scale - created) < available * 0.5;
    }

    private static long Heap() => GC.GetTotalMemory(forceFullCollection: true);
}
