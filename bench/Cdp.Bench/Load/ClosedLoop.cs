using System.Diagnostics;

namespace Cdp.Bench.Load;

/// <summary>How long a closed-loop measurement runs: a warm-up, then several measured blocks.</summary>
public sealed record LoopShape(TimeSpan WarmUp, int Blocks, TimeSpan Block);

/// <summary>
/// The closed loop: a fixed number of workers, each sending its next operation as soon as the previous one
/// answers. Throughput per block is operations (times the units each one carries, such as events in a batch)
/// divided by the block's wall time; the median of the blocks is the figure, their minimum and maximum the spread.
/// </summary>
public static class ClosedLoop
{
    /// <param name="operation">One operation, given a number that is unique within the run.</param>
    /// <param name="unitsPerOperation">Units counted per operation (events per batch, 1 for single calls).</param>
    /// <param name="maxPerBlock">Stops a block early after this many operations (for finite prepared work).</param>
    public static async Task<Throughput> RunAsync(
        int workers, LoopShape shape, Func<long, Task> operation, int unitsPerOperation = 1, long? maxPerBlock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(workers, 1);
        long next = -1;
        await RunBlockAsync(workers, shape.WarmUp, operation, () => Interlocked.Increment(ref next), maxPerBlock);

        var gc = GcWatch.Start();
        var rates = new List<double>(shape.Blocks);
        for (var b = 0; b < shape.Blocks; b++)
        {
            var (count, elapsed) = await RunBlockAsync(
                workers, shape.Block, operation, () => Interlocked.Increment(ref next), maxPerBlock);
            rates.Add(count * unitsPerOperation / elapsed.TotalSeconds);
        }

        return Throughput.Of(rates) with { Gc = gc.Stop() };
    }

    /// <summary>
    /// A scenario and its baseline in alternating blocks (baseline, scenario, baseline, …), so that a machine whose
    /// speed drifts during the run (other work on shared cores) affects both alike. The ratio is the median of the
    /// per-pair ratios, scenario over baseline.
    /// </summary>
    public static async Task<(Throughput Baseline, Throughput Scenario, Throughput Ratio)> CompareAsync(
        int workers, LoopShape shape, Func<long, Task> baseline, Func<long, Task> scenario)
    {
        long next = -1;
        long Take() => Interlocked.Increment(ref next);
        await RunBlockAsync(workers, shape.WarmUp, baseline, Take, null);
        await RunBlockAsync(workers, shape.WarmUp, scenario, Take, null);

        var gc = GcWatch.Start();
        var (baseRates, rates, ratios) = (new List<double>(), new List<double>(), new List<double>());
        for (var b = 0; b < shape.Blocks; b++)
        {
            var (baseCount, baseElapsed) = await RunBlockAsync(workers, shape.Block, baseline, Take, null);
            var (count, elapsed) = await RunBlockAsync(workers, shape.Block, scenario, Take, null);
            baseRates.Add(baseCount / baseElapsed.TotalSeconds);
            rates.Add(count / elapsed.TotalSeconds);
            ratios.Add(rates[^1] / baseRates[^1]);
        }

        // The collector's share covers the pairs together: both sides fill the same heap.
        return (Throughput.Of(baseRates), Throughput.Of(rates) with { Gc = gc.Stop() }, Throughput.Of(ratios));
    }

    /// <summary>The same loop over synchronous work on dedicated threads (the in-process floor).</summary>
    public static Throughput RunSync(int workers, LoopShape shape, Action<int, long> operation)
    {
        var counters = new long[workers];
        RunSyncBlock(workers, shape.WarmUp, operation, counters);
        var rates = new List<double>(shape.Blocks);
        for (var b = 0; b < shape.Blocks; b++)
        {
            var (count, elapsed) = RunSyncBlock(workers, shape.Block, operation, counters);
            rates.Add(count / elapsed.TotalSeconds);
        }

        return Throughput.Of(rates);
    }

    private static async Task<(long Count, TimeSpan Elapsed)> RunBlockAsync(
        int workers, TimeSpan duration, Func<long, Task> operation, Func<long> take, long? max)
    {
        long done = 0;
        long started = 0;
        var clock = Stopwatch.StartNew();
        var deadline = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;

        async Task WorkerAsync()
        {
            // Yield first, so that every worker starts before any of them finishes its first operation.
            await Task.Yield();
            while (clock.ElapsedTicks < deadline && (max is not { } cap || Interlocked.Increment(ref started) <= cap))
            {
                await operation(take());
                Interlocked.Increment(ref done);
            }
        }

        await Task.WhenAll(Enumerable.Range(0, workers).Select(_ => WorkerAsync()));
        return (done, clock.Elapsed);
    }

    private static (long Count, TimeSpan Elapsed) RunSyncBlock(
        int workers, TimeSpan duration, Action<int, long> operation, long[] counters)
    {
        long done = 0;
        var clock = Stopwatch.StartNew();
        var deadline = duration.Ticks * Stopwatch.Frequency / TimeSpan.TicksPerSecond;
        var threads = Enumerable.Range(0, workers).Select(w => new Thread(() =>
        {
            var local = 0L;
            while (clock.ElapsedTicks < deadline)
            {
                // Check the clock every 64 operations: reading it costs as much as a small operation.
                for (var i = 0; i < 64; i++)
                {
                    operation(w, counters[w]++);
                }

                local += 64;
            }

            Interlocked.Add(ref done, local);
        })).ToList();
        threads.ForEach(t => t.Start());
        threads.ForEach(t => t.Join());
        return (done, clock.Elapsed);
    }
}

/// <summary>Units per second over the measured blocks.</summary>
public sealed record Throughput(double Median, double Min, double Max, int Blocks)
{
    /// <summary>What the garbage collector took during the measured blocks, where it was watched.</summary>
    public GcUse? Gc { get; init; }

    public static Throughput Of(IReadOnlyList<double> rates)
    {
        var sorted = rates.Order().ToArray();
        var median = sorted.Length % 2 == 1
            ? sorted[sorted.Length / 2]
            : (sorted[(sorted.Length / 2) - 1] + sorted[sorted.Length / 2]) / 2;
        return new Throughput(median, sorted[0], sorted[^1], sorted.Length);
    }
}
