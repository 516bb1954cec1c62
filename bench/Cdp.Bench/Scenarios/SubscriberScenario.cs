using System.Collections.Concurrent;
using System.Diagnostics;
using Cdp.Bench.Hosting;
using Cdp.Bench.Load;
using Cdp.Bench.Reporting;
using Cdp.Client;

namespace Cdp.Bench.Scenarios;

/// <summary>
/// Event → segment-membership message at a subscriber. A segment on a trait (<c>trait("plan") = "pro"</c>) is created
/// through the SDK, and the external client subscribes to it with <see cref="ICdpClient.SubscribeAsync"/>, as a .NET
/// service would. Identify calls flip the plan of customers from a pool who granted the segment's purpose, so that
/// every event sent causes exactly one entered or exited message, which carries the event's messageId. The closed
/// loop finds how many such events per second the silo takes; the open loop at 50% and 80% of that measures from each
/// send's scheduled start to the moment the handler receives its message. Baseline: the acknowledgement of the same
/// sends, timed from the same scheduled start, so the ratio shows what the member list and the stream add. It runs on
/// a silo of its own, whose heap holds only this scenario's customers.
/// </summary>
public sealed class SubscriberScenario(BenchCluster cluster, SuiteSettings settings, RunReport report)
{
    public const string LatencyId = "segment.subscriber";
    public const string AcknowledgementId = "segment.subscriber.ack";

    private const string Purpose = "analytics";
    private const int PrimingFlips = 64;

    // Messages still missing when the subscriber has received nothing for this long count as lost. A stream that is
    // only slow keeps delivering and is waited for, so a backlog does not spill into the next measurement.
    private static readonly TimeSpan QuietDeadline = TimeSpan.FromSeconds(5);

    private readonly Arrivals _arrivals = new();
    private readonly string _run = Guid.NewGuid().ToString("N")[..6];
    private readonly ConcurrentQueue<double> _acknowledged = new();
    private string[] _pool = [];
    private long _sent = -1;

    public async Task RunAsync()
    {
        Console.WriteLine("  event → segment message at a subscriber");
        var cdp = new CdpClient(cluster.External, new CdpClientOptions { Source = "bench" });
        var segment = await cdp.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = $"bench-pro-{_run}",
            Name = "Pro plan",
            Purpose = Purpose,
            Text = """trait("plan") = "pro" """,
            ExportIdentifiers = [IdentifierTypes.UserId],
        });
        await using var subscription = await cdp.SubscribeAsync(segment.Id, DefinitionKind.Segment, (message, _) =>
        {
            _arrivals.Receive(message);
            return Task.CompletedTask;
        });

        // The pool is large enough that one customer's previous flip has been applied before its next one is sent
        // (else the two could arrive in the other order and cancel out); a flip that does not change membership
        // anyway shows up as a lost message, not as a shorter latency.
        var consent = Events.ContextWithConsent([new ConsentDecision(Purpose, null, "granted")]);
        _pool = [.. Enumerable.Range(0, settings.CustomerPool * 4).Select(i => $"s-{_run}-{i}")];
        await EngineScenarios.SeedAsync(
            cluster.Hosted.GetGrain<IIngestGrain>(0),
            _pool.Select(u => Events.Identify(u, new() { ["plan"] = "basic" }) with { Context = consent }));

        var primed = await UntilQuietAsync(giveUp =>
            Task.WhenAll(Enumerable.Range(0, PrimingFlips).Select(_ => FlipAndReceiveAsync(cdp, Stopwatch.GetTimestamp(), giveUp))));
        if (primed.All(p => p is null))
        {
            var reason = $"none of {PrimingFlips} priming events brought a segment message to the subscriber " +
                $"within {QuietDeadline.TotalSeconds:0} s";
            report.Skipped.Add($"event → segment message at a subscriber: {reason}");
            Console.WriteLine($"    skipped: {reason}");
            return;
        }

        // Sends only: a worker that waited for each message would measure latency, not the rate the silo takes.
        var maximum = await ClosedLoop.RunAsync(settings.Workers, settings.Shape, async n =>
        {
            var flip = NextFlip();
            _ = _arrivals.Expect(flip.MessageId!);
            await cdp.SendAsync(flip);
        });
        var lostInClosedLoop = await _arrivals.DrainAsync(QuietDeadline);
        var m = Measurement.Of(
            "segment.flip.external", "Identify that changes a segment membership", "memory", "external", "events/s", maximum,
            "ingest.memory.external");
        m.Details["messages lost in the closed loop"] = lostInClosedLoop;
        report.Measurements.Add(m);
        Console.WriteLine($"    {m.Title} [external]: {maximum.Median:N0} events/s ({maximum.Min:N0} – {maximum.Max:N0}), " +
            $"{lostInClosedLoop} messages lost{EngineScenarios.GcText(maximum.Gc)}");

        foreach (var share in new[] { 0.5, 0.8 })
        {
            _arrivals.TakeStreamHops();
            _acknowledged.Clear();
            var clock = Stopwatch.StartNew();
            var result = await UntilQuietAsync(giveUp => OpenLoop.RunAsync(
                maximum.Median * share, settings.OpenLoopDuration, (_, intended) => FlipAndReceiveAsync(cdp, intended, giveUp)));
            var acknowledged = LatencyResult.Of(
                maximum.Median * share, [.. _acknowledged], result.Dropped, 0, result.Failed, clock.Elapsed) with { Gc = result.Gc };
            report.Latencies.Add(new LatencyMeasurement(
                AcknowledgementId, "The same sends, to their acknowledgement", "external", "closed-loop max", share,
                acknowledged, null));
            report.Latencies.Add(new LatencyMeasurement(
                LatencyId, "Event → segment message at the subscriber", "external", "closed-loop max", share, result,
                AcknowledgementId));
            Console.WriteLine($"    at {share:P0}, acknowledged: p50 {acknowledged.P50:0.00} ms, p99 {acknowledged.P99:0.00} ms");
            Console.WriteLine($"    at {share:P0}: {result.AchievedRate:N0}/s, p50 {result.P50:0.00} ms, " +
                $"p99 {result.P99:0.00} ms, p99.9 {result.P999:0.00} ms, max {result.Max:0.0} ms; " +
                $"{result.Lost} lost, {result.Dropped} dropped, {result.Failed} failed{EngineScenarios.GcText(result.Gc)}");

            // How much of it is the stream alone: from the grain's publication to the handler.
            var hops = _arrivals.TakeStreamHops();
            if (hops.Length > 0)
            {
                m.Details[$"publication to handler p50 ms at {share:P0}"] = hops[hops.Length / 2];
                m.Details[$"publication to handler p99 ms at {share:P0}"] = hops[Math.Min(hops.Length - 1, (int)(hops.Length * 0.99))];
            }
        }

        m.Details["messages with no event waiting for them"] = _arrivals.Unexpected;
    }

    // Runs flips that wait for their messages, and gives up on the missing ones once the subscriber has gone quiet.
    private async Task<T> UntilQuietAsync<T>(Func<CancellationToken, Task<T>> flips)
    {
        using var giveUp = new CancellationTokenSource();
        var running = flips(giveUp.Token);
        if (!await _arrivals.WhileArrivingAsync(running, QuietDeadline))
        {
            await giveUp.CancelAsync();
        }

        return await running;
    }

    private async Task<long?> FlipAndReceiveAsync(CdpClient cdp, long intended, CancellationToken giveUp)
    {
        var flip = NextFlip();
        var arrival = _arrivals.Expect(flip.MessageId!);
        try
        {
            // Giving up ends the wait for the message only; the send itself always completes.
            await cdp.SendAsync(flip, CancellationToken.None);
            _acknowledged.Enqueue(Stopwatch.GetElapsedTime(intended).TotalMilliseconds);
        }
        catch
        {
            // Refused (the silo's overload limit) or broken: no message will come, and the open loop counts it as failed.
            _arrivals.Forget(flip.MessageId!);
            throw;
        }

        try
        {
            return await arrival.WaitAsync(giveUp);
        }
        catch (OperationCanceledException)
        {
            _arrivals.Forget(flip.MessageId!);
            return null;
        }
    }

    // Customers start on the basic plan and alternate pro, basic, pro, … so that every event changes membership.
    private CdpEvent NextFlip()
    {
        var n = Interlocked.Increment(ref _sent);
        var plan = n / _pool.Length % 2 == 0 ? "pro" : "basic";
        return Events.Identify(_pool[n % _pool.Length], new() { ["plan"] = plan });
    }

    /// <summary>The messages the subscriber waits for, by the messageId of the event that causes each.</summary>
    private sealed class Arrivals
    {
        private readonly ConcurrentDictionary<string, TaskCompletionSource<long>> _expected = new(StringComparer.Ordinal);
        private readonly ConcurrentQueue<double> _streamHops = new();
        private long _unexpected;
        private long _received;

        /// <summary>Messages that no sent event was waiting for: duplicates, or arrivals after their deadline.</summary>
        public long Unexpected => Interlocked.Read(ref _unexpected);

        /// <summary>Completes with the <see cref="Stopwatch.GetTimestamp"/> at which the handler received the message.</summary>
        public Task<long> Expect(string messageId)
        {
            // The waiting code continues elsewhere, so that the handler returns at once and takes the next message.
            var arrival = new TaskCompletionSource<long>(TaskCreationOptions.RunContinuationsAsynchronously);
            _expected[messageId] = arrival;
            return arrival.Task;
        }

        public void Receive(SegmentMessage message)
        {
            var at = Stopwatch.GetTimestamp();
            Interlocked.Increment(ref _received);
            _streamHops.Enqueue((DateTimeOffset.UtcNow - message.PublishedAt).TotalMilliseconds);
            if (message.MessageId is { } id && _expected.TryRemove(id, out var arrival))
            {
                arrival.TrySetResult(at);
            }
            else
            {
                Interlocked.Increment(ref _unexpected);
            }
        }

        /// <summary>
        /// Milliseconds from each message's <see cref="SegmentMessage.PublishedAt"/> (the silo's clock, the same machine)
        /// to its handler, since the last call, sorted.
        /// </summary>
        public double[] TakeStreamHops()
        {
            var hops = new List<double>(_streamHops.Count);
            while (_streamHops.TryDequeue(out var hop))
            {
                hops.Add(hop);
            }

            hops.Sort();
            return [.. hops];
        }

        public void Forget(string messageId) => _expected.TryRemove(messageId, out _);

        /// <summary>
        /// Waits for <paramref name="done"/> while messages keep arriving: false when none arrived for
        /// <paramref name="quiet"/> before it finished.
        /// </summary>
        public async Task<bool> WhileArrivingAsync(Task done, TimeSpan quiet)
        {
            while (true)
            {
                var seen = Interlocked.Read(ref _received);
                if (await Task.WhenAny(done, Task.Delay(quiet)) == done)
                {
                    return true;
                }

                if (Interlocked.Read(ref _received) == seen)
                {
                    return false;
                }
            }
        }

        /// <summary>Waits for every message expected so far while messages keep arriving; returns how many did not come.</summary>
        public async Task<int> DrainAsync(TimeSpan quiet)
        {
            var waiting = _expected.ToArray();
            await WhileArrivingAsync(Task.WhenAll(waiting.Select(w => w.Value.Task)), quiet);
            var lost = 0;
            foreach (var (id, arrival) in waiting)
            {
                if (!arrival.Task.IsCompleted && _expected.TryRemove(id, out _))
                {
                    lost++;
                }
            }

            return lost;
        }
    }
}
