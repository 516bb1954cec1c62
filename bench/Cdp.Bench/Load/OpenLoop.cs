using System.Diagnostics;

namespace Cdp.Bench.Load;

/// <summary>
/// The open loop: operations start on a fixed schedule whatever the system answers, so a stall shows up
/// as latency instead of as fewer requests (no coordinated omission). Latency is measured from the moment
/// the schedule meant the operation to start, not from when it actually started.
/// </summary>
public static class OpenLoop
{
    // A system that falls behind would pile up unbounded work; past this many in flight, sends are counted as dropped.
    private const int MaxInFlight = 20_000;

    /// <summary>Each operation ends when its task completes.</summary>
    public static Task<LatencyResult> RunAsync(double ratePerSecond, TimeSpan duration, Func<long, Task> operation) =>
        RunAsync(ratePerSecond, duration, async index =>
        {
            await operation(index);
            return Stopwatch.GetTimestamp();
        });

    /// <summary>
    /// Each operation says when it ended: a <see cref="Stopwatch.GetTimestamp"/> value taken where the outcome was
    /// seen (such as a message handler), or null when the outcome never came, which counts as lost.
    /// </summary>
    public static Task<LatencyResult> RunAsync(double ratePerSecond, TimeSpan duration, Func<long, Task<long?>> operation) =>
        RunAsync(ratePerSecond, duration, (index, _) => operation(index));

    /// <summary>
    /// As above, and each operation is also given the <see cref="Stopwatch.GetTimestamp"/> at which the schedule meant
    /// it to start, so that it can time further steps of its own (an acknowledgement before a message) the same way.
    /// </summary>
    public static async Task<LatencyResult> RunAsync(
        double ratePerSecond, TimeSpan duration, Func<long, long, Task<long?>> operation)
    {
        ArgumentOutOfRangeException.ThrowIfLessThanOrEqual(ratePerSecond, 0);
        var total = (long)(ratePerSecond * duration.TotalSeconds);
        var latencies = new long[total];
        var pending = new List<Task>((int)Math.Min(total, 1_000_000));
        var inFlight = 0;
        var dropped = 0;
        var lost = 0;
        var failed = 0;
        var gc = GcWatch.Start();
        var clock = Stopwatch.StartNew();
        var origin = Stopwatch.GetTimestamp();
        var ticksPerOperation = Stopwatch.Frequency / ratePerSecond;

        for (long i = 0; i < total;)
        {
            var due = (long)(i * ticksPerOperation);
            var now = clock.ElapsedTicks;
            if (due > now)
            {
                // Timers tick at about 1 ms; the operations due meanwhile are sent together when it fires.
                await Task.Delay(TimeSpan.FromTicks(Math.Max(1, (due - now) * TimeSpan.TicksPerSecond / Stopwatch.Frequency)));
                continue;
            }

            for (; i < total && (long)(i * ticksPerOperation) <= now; i++)
            {
                if (Volatile.Read(ref inFlight) >= MaxInFlight)
                {
                    latencies[i] = -1;
                    dropped++;
                    continue;
                }

                Interlocked.Increment(ref inFlight);
                pending.Add(TimeAsync(i, origin + (long)(i * ticksPerOperation)));
            }
        }

        await Task.WhenAll(pending);
        var measured = latencies.Where(l => l >= 0).Select(l => l * 1000.0 / Stopwatch.Frequency).ToArray();
        return LatencyResult.Of(ratePerSecond, measured, dropped, lost, failed, clock.Elapsed) with { Gc = gc.Stop() };

        async Task TimeAsync(long index, long intended)
        {
            try
            {
                if (await operation(index, intended) is { } ended)
                {
                    latencies[index] = ended - intended;
                }
                else
                {
                    latencies[index] = -1;
                    Interlocked.Increment(ref lost);
                }
            }
            catch (Exception)
            {
                // A refusal (such as the silo's overload limit) is an outcome of the load, counted; it does not end the run.
                latencies[index] = -1;
                Interlocked.Increment(ref failed);
            }
            finally
            {
                Interlocked.Decrement(ref inFlight);
            }
        }
    }
}

/// <summary>
/// Latency percentiles in milliseconds, from every recorded sample (no histogram buckets needed at this size).
/// Dropped operations were never started (too many in flight); lost ones started but their outcome never came;
/// failed ones threw (the silo refused them, for instance).
/// </summary>
public sealed record LatencyResult(
    double TargetRate, double AchievedRate, long Samples, long Dropped, double P50, double P99, double P999, double Max,
    long Lost = 0, long Failed = 0)
{
    /// <summary>What the garbage collector took from the first send until the last outcome.</summary>
    public GcUse? Gc { get; init; }

    public static LatencyResult Of(double target, double[] milliseconds, long dropped, long lost, long failed, TimeSpan elapsed)
    {
        Array.Sort(milliseconds);
        return new LatencyResult(
            target, milliseconds.Length / elapsed.TotalSeconds, milliseconds.Length, dropped,
            Percentile(milliseconds, 0.50), Percentile(milliseconds, 0.99), Percentile(milliseconds, 0.999),
            milliseconds.Length == 0 ? double.NaN : milliseconds[^1], lost, failed);
    }

    // Nearest rank: the smallest sample at or above the given share of all samples.
    private static double Percentile(double[] sorted, double share) =>
        sorted.Length == 0 ? double.NaN : sorted[Math.Clamp((int)Math.Ceiling(share * sorted.Length) - 1, 0, sorted.Length - 1)];
}
