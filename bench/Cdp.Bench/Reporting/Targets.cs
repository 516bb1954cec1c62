using System.Globalization;
using Cdp.Bench.Scenarios;

namespace Cdp.Bench.Reporting;

/// <summary>The goals, computed as ratios from the run's own figures. Reported only: nothing fails on them.</summary>
public static class Targets
{
    private const double SegmentDefaultLimit = 1_000;
    private const double RudderStackTwoCores = 1_700;
    private const double HttpTarget = 35_000;
    private const double OverheadTarget = 6 * 1024;
    private const double SubscriberP99 = 10;

    public static void Evaluate(RunReport report)
    {
        foreach (var client in new[] { "hosted", "external" })
        {
            if (report.Find($"ingest.memory.{client}") is { } ingest && report.Find($"noop.{client}") is { } noop)
            {
                var ratio = ingest.Value / noop.Value;
                report.Targets.Add(new TargetCheck(
                    $"ingest with memory storage ≥ 0.8 × no-op call rate ({client})",
                    Text($"{ingest.Value:N0} vs {noop.Value:N0} /s"), ratio, ratio >= 0.8));
            }
        }

        if (report.Find("http.batch") is { } http)
        {
            report.Targets.Add(new TargetCheck(
                "HTTP batch ingestion ≥ 35,000 events/s on 2 cores", Text($"{http.Value:N0} events/s"), http.Value / HttpTarget,
                http.Value >= HttpTarget));
            report.Targets.Add(new TargetCheck(
                "reference: Segment's default limit, 1,000 events/s", Text($"{http.Value:N0} events/s"),
                http.Value / SegmentDefaultLimit, null));
            report.Targets.Add(new TargetCheck(
                "reference: RudderStack's gateway, ~1,700 events/s on 2 cores", Text($"{http.Value:N0} events/s"),
                http.Value / RudderStackTwoCores, null));
        }

        // The steady state (identity grains idled out) when it was measured, else the figure right after creation.
        var resident = report.Measurements.Where(m => m.Id.StartsWith("resident-idle.", StringComparison.Ordinal)).ToList();
        if (resident.Count == 0)
        {
            resident = report.Measurements.Where(m => m.Id.StartsWith("resident.", StringComparison.Ordinal) &&
                m.Details.ContainsKey("bytes beyond the profile data")).ToList();
        }

        if (resident.Count > 0)
        {
            var largest = resident[^1];
            var beyond = largest.Details["bytes beyond the profile data"];
            report.Targets.Add(new TargetCheck(
                "memory per resident typical customer ≤ 6 KiB beyond the profile data",
                Text($"{beyond:N0} B beyond the profile ({largest.Title})"), beyond / OverheadTarget, beyond <= OverheadTarget));
            var customers = int.Parse(largest.Id[(largest.Id.IndexOf('.', StringComparison.Ordinal) + 1)..], CultureInfo.InvariantCulture);
            var projected = largest.Value * 1_000_000 / (1024.0 * 1024 * 1024);
            report.Targets.Add(new TargetCheck(
                "1 million resident customers in 24 GiB",
                Text($"projected {projected:0.0} GiB from {customers:N0}"), projected / 24, projected <= 24));
        }

        if (report.Latencies.Find(l => l.Id == SubscriberScenario.LatencyId && l.LoadShare == 0.8) is { Result: var r })
        {
            // A message lost, dropped or refused has no latency at all: the target is not met while any is missing.
            report.Targets.Add(new TargetCheck(
                "event → subscriber p99 < 10 ms at 80% of maximum load",
                Text($"p99 {r.P99:0.00} ms (p50 {r.P50:0.00} ms); {r.Lost} lost, {r.Dropped} dropped, {r.Failed} failed"),
                r.P99 / SubscriberP99, r.P99 < SubscriberP99 && r.Lost + r.Dropped + r.Failed == 0));
        }
    }

    private static string Text(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
