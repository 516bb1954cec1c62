using Cdp.Bench.Load;

namespace Cdp.Bench.Reporting;

/// <summary>One measured figure beside the baseline it is read against.</summary>
public sealed record Measurement
{
    public required string Id { get; init; }

    public required string Title { get; init; }

    /// <summary>Where state lives: none, memory, azurite, discarded.</summary>
    public required string Storage { get; init; }

    /// <summary>Who calls: in-process, hosted (the silo's grain factory), external (a cluster client), http.</summary>
    public required string Client { get; init; }

    public required string Unit { get; init; }

    public required double Value { get; init; }

    public double? Min { get; init; }

    public double? Max { get; init; }

    /// <summary>The id of the measurement this one is compared with, in the same process and run.</summary>
    public string? Baseline { get; init; }

    /// <summary>Value divided by the baseline's value, filled in when the report is made.</summary>
    public double? Ratio { get; set; }

    /// <summary>Further figures of the same run (events per storage write, bytes per activation, …).</summary>
    public Dictionary<string, double> Details { get; init; } = [];

    public static Measurement Of(string id, string title, string storage, string client, string unit, Throughput t, string? baseline)
    {
        var m = new Measurement
        {
            Id = id, Title = title, Storage = storage, Client = client, Unit = unit,
            Value = t.Median, Min = t.Min, Max = t.Max, Baseline = baseline,
        };
        t.Gc?.AddTo(m.Details);
        return m;
    }
}

/// <summary>Latency percentiles of an open-loop run at a share of a measured maximum.</summary>
public sealed record LatencyMeasurement(
    string Id, string Title, string Client, string OfMaximum, double LoadShare, LatencyResult Result, string? Baseline)
{
    /// <summary>p99 divided by the baseline's p99 at the same load share.</summary>
    public double? P99Ratio { get; set; }
}

/// <summary>A goal from the issue, with the measured ratio; reported, never asserted.</summary>
public sealed record TargetCheck(string Goal, string Measured, double? Ratio, bool? Met);

/// <summary>One BenchmarkDotNet result.</summary>
public sealed record MicroResult(
    string Benchmark, double MeanNanoseconds, double MedianNanoseconds, double ErrorNanoseconds, long? AllocatedBytes);

/// <summary>Where and how the run happened.</summary>
public sealed record RunEnvironment(
    string Commit, string Runtime, string Os, string GcMode, int CpuCount, string CpuModel, string Mode, DateTimeOffset StartedAt);

public sealed class RunReport
{
    public required RunEnvironment Environment { get; init; }

    public List<Measurement> Measurements { get; } = [];

    public List<LatencyMeasurement> Latencies { get; } = [];

    public List<TargetCheck> Targets { get; } = [];

    public List<MicroResult> Micro { get; } = [];

    /// <summary>Scenarios that wait for features that do not exist yet.</summary>
    public List<string> NotYetMeasurable { get; } = [];

    public List<string> Skipped { get; } = [];

    public double DurationSeconds { get; set; }

    public Measurement? Find(string id) => Measurements.Find(m => m.Id == id);

    public void ComputeRatios()
    {
        foreach (var m in Measurements)
        {
            if (m.Baseline is { } b && Find(b) is { Value: > 0 } baseline)
            {
                // A ratio measured in alternating blocks (see ClosedLoop.CompareAsync) is kept as it is.
                m.Ratio ??= m.Value / baseline.Value;
            }
        }

        foreach (var l in Latencies)
        {
            if (l.Baseline is { } b && Latencies.Find(o => o.Id == b && o.LoadShare == l.LoadShare) is { } baseline &&
                baseline.Result.P99 > 0)
            {
                l.P99Ratio = l.Result.P99 / baseline.Result.P99;
            }
        }
    }
}
