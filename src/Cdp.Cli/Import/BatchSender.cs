using System.Threading.Channels;
using Cdp.Client;

namespace Cdp.Cli.Import;

/// <summary>Counts of an import or send run, safe to read while it runs.</summary>
internal sealed class RunStats
{
    private long _rows;
    private long _applied;
    private long _duplicates;
    private long _rejected;

    public long Rows => Interlocked.Read(ref _rows);

    public long Applied => Interlocked.Read(ref _applied);

    public long Duplicates => Interlocked.Read(ref _duplicates);

    public long Rejected => Interlocked.Read(ref _rejected);

    /// <summary>Rows that are finished: sent and acknowledged, or rejected.</summary>
    public long Done => Applied + Duplicates + Rejected;

    public void RowRead() => Interlocked.Increment(ref _rows);

    public void Received(bool duplicate) => Interlocked.Increment(ref duplicate ? ref _duplicates : ref _applied);

    public void RowRejected() => Interlocked.Increment(ref _rejected);
}

/// <summary>An event ready to send, with the line it came from (for the rejects file).</summary>
internal sealed record PendingEvent(CdpEvent Event, long Line, string Text, int Size);

/// <summary>Batch size and parallelism of sending.</summary>
internal sealed record SendSettings(int BatchSize = 500, int Parallelism = 4)
{
    /// <summary>Kept well under the 500 KiB batch limit, so a full batch never meets it.</summary>
    public const int MaxBatchBytes = 400 * 1024;

    /// <summary>Attempts per batch when the cluster fails a call (not when it refuses an event).</summary>
    public const int Attempts = 3;
}

/// <summary>
/// Groups validated events into batches and sends them with <see cref="ICdpClient.SendBatchAsync"/>, several at a
/// time. A call the cluster fails is retried (the messageIds make retries harmless); after the last attempt the run
/// stops with <see cref="ClusterUnavailableException"/>. Should the cluster still refuse an event that passed the
/// client-side check, that row alone is rejected and the rest of its batch is sent again.
/// </summary>
internal sealed class BatchSender
{
    private readonly ICdpClient _client;
    private readonly SendSettings _settings;
    private readonly Rejects _rejects;
    private readonly RunStats _stats;
    private readonly CancellationTokenSource _stop;
    private readonly Channel<List<PendingEvent>> _batches;
    private readonly Task[] _workers;
    private readonly Func<int, TimeSpan> _backoff;
    private List<PendingEvent> _current = [];
    private int _currentBytes;
    private Exception? _failure;

    public BatchSender(
        ICdpClient client, SendSettings settings, Rejects rejects, RunStats stats, CancellationToken cancellationToken,
        Func<int, TimeSpan>? backoff = null)
    {
        _client = client;
        _settings = settings;
        _rejects = rejects;
        _stats = stats;
        _backoff = backoff ?? (attempt => TimeSpan.FromSeconds(attempt * attempt));
        _stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        _batches = Channel.CreateBounded<List<PendingEvent>>(new BoundedChannelOptions(settings.Parallelism)
        {
            SingleWriter = true,
        });
        _workers = Enumerable.Range(0, settings.Parallelism).Select(_ => Task.Run(WorkAsync)).ToArray();
    }

    public async ValueTask AddAsync(PendingEvent pending)
    {
        if (_current.Count >= _settings.BatchSize || _currentBytes + pending.Size > SendSettings.MaxBatchBytes)
        {
            await FlushAsync().ConfigureAwait(false);
        }

        _current.Add(pending);
        _currentBytes += pending.Size;
    }

    /// <summary>Sends what is left and waits for every batch.</summary>
    /// <exception cref="ClusterUnavailableException">A batch failed on every attempt.</exception>
    public async Task CompleteAsync()
    {
        if (_current.Count > 0)
        {
            await FlushAsync().ConfigureAwait(false);
        }

        _batches.Writer.TryComplete();
        try
        {
            await Task.WhenAll(_workers).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
        }

        if (_failure is not null)
        {
            throw _failure;
        }
    }

    private async ValueTask FlushAsync()
    {
        var batch = _current;
        _current = [];
        _currentBytes = 0;
        try
        {
            await _batches.Writer.WriteAsync(batch, _stop.Token).ConfigureAwait(false);
        }
        catch (OperationCanceledException) when (_failure is not null)
        {
            throw _failure;
        }
    }

    private async Task WorkAsync()
    {
        try
        {
            await foreach (var batch in _batches.Reader.ReadAllAsync(_stop.Token).ConfigureAwait(false))
            {
                await SendAsync(batch, resent: false).ConfigureAwait(false);
            }
        }
        catch (Exception ex) when (ex is not OperationCanceledException)
        {
            Interlocked.CompareExchange(ref _failure, ex, null);
            await _stop.CancelAsync().ConfigureAwait(false);
        }
    }

    private async Task SendAsync(List<PendingEvent> batch, bool resent)
    {
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                var receipts = await _client.SendBatchAsync(batch.ConvertAll(p => p.Event), _stop.Token).ConfigureAwait(false);
                foreach (var receipt in receipts)
                {
                    _stats.Received(receipt.Duplicate);
                }

                return;
            }
            catch (CdpValidationException ex)
            {
                await RejectRefusedAsync(batch, ex, resent).ConfigureAwait(false);
                return;
            }
            catch (Exception ex) when (ex is not OperationCanceledException || !_stop.IsCancellationRequested)
            {
                if (attempt >= SendSettings.Attempts)
                {
                    throw new ClusterUnavailableException(
                        $"the cluster failed the batch of lines {batch[0].Line}-{batch[^1].Line} {attempt} times " +
                        $"({ex.GetType().Name}: {FirstLine(ex.Message)}); rows sent before it stay applied, " +
                        "and running the same command again is safe.", ex);
                }

                await Task.Delay(_backoff(attempt), _stop.Token).ConfigureAwait(false);
            }
        }
    }

    private async Task RejectRefusedAsync(List<PendingEvent> batch, CdpValidationException refused, bool resent)
    {
        var byEvent = refused.Errors.Where(e => e.EventIndex is { } i && i >= 0 && i < batch.Count)
            .GroupBy(e => e.EventIndex!.Value).ToDictionary(g => g.Key, g => string.Join("; ", g.Select(e => $"{e.Field}: {e.Message}")));
        if (byEvent.Count == 0 || resent)
        {
            foreach (var pending in batch)
            {
                Reject(pending, byEvent.GetValueOrDefault(batch.IndexOf(pending)) ?? "the cluster refused it: " + refused.Message);
            }

            return;
        }

        var rest = new List<PendingEvent>(batch.Count);
        for (var i = 0; i < batch.Count; i++)
        {
            if (byEvent.TryGetValue(i, out var reason))
            {
                Reject(batch[i], reason);
            }
            else
            {
                rest.Add(batch[i]);
            }
        }

        if (rest.Count > 0)
        {
            await SendAsync(rest, resent: true).ConfigureAwait(false);
        }
    }

    private void Reject(PendingEvent pending, string reason)
    {
        _stats.RowRejected();
        _rejects.Add(pending.Line, reason, pending.Text);
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
