using Cdp.Bench.Load;
using Cdp.Bench.Reporting;
using Cdp.Grains.Domain;
using Cdp.Grains.Hosting;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// The floor: the same profile update that a customer grain makes (identifiers extracted, the event stamped, the
/// profile found and <see cref="ProfileBuilder.Apply"/> run) on a plain dictionary in this process, without Orleans,
/// archive or identity grains. Nothing that goes through the engine can be faster.
/// </summary>
public static class FloorScenario
{
    public static void Run(SuiteSettings settings, RunReport report)
    {
        Console.WriteLine("  floor: profile updates on a dictionary");
        var builder = NewBuilder();
        var rules = IdentityRuleSet.Default;
        var workers = Environment.ProcessorCount;
        var poolPerWorker = Math.Max(1, settings.CustomerPool / workers);
        var profiles = Enumerable.Range(0, workers).Select(_ => new Dictionary<string, CustomerProfile>(StringComparer.Ordinal)).ToArray();
        var users = Enumerable.Range(0, workers)
            .Select(w => Enumerable.Range(0, poolPerWorker).Select(i => $"floor-{w}-{i}").ToArray()).ToArray();

        var result = ClosedLoop.RunSync(workers, settings.Shape, (w, n) =>
        {
            var userId = users[w][n % poolPerWorker];
            var evt = Events.Track(userId, n);
            var routed = evt with { ReceivedAt = DateTimeOffset.UtcNow, Identifiers = Identifiers.Extract(evt, rules) };
            if (!profiles[w].TryGetValue(userId, out var profile))
            {
                profiles[w][userId] = profile = new CustomerProfile { CustomerId = userId };
            }

            builder.Apply(profile, routed, profile.Sequence + 1);
        });

        var m = Measurement.Of("floor.dictionary", "Profile update on a Dictionary (no Orleans)", "none", "in-process",
            "events/s", result, null);
        report.Measurements.Add(m);
        Console.WriteLine($"    {m.Title}: {result.Median:N0} events/s ({result.Min:N0} – {result.Max:N0})");
    }

    /// <summary>The builder a silo gets by default: the default section map and a 100-event recent window.</summary>
    public static ProfileBuilder NewBuilder()
    {
        var options = new CdpProfileOptions();
        return new ProfileBuilder(new SectionMap(options.Sections), options.RecentEventWindow);
    }
}
