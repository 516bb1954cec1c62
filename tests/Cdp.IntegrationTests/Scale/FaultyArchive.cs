using Azure;
using Cdp.Grains.Archive;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// An <see cref="IEventArchive"/> in front of the one Cdp registered, whose appends a test can fail (before
/// or after the write reaches storage) or hold at a gate until released. Reads, finds, replaces and deletes
/// pass straight through.
/// </summary>
public sealed class FaultyArchive(IEventArchive inner) : IEventArchive
{
    private readonly Lock _lock = new();
    private TaskCompletionSource _gate = Opened();
    private (int Count, TaskCompletionSource Reached)? _waiter;
    private int _held;

    /// <summary>Appends fail before they reach storage, as when storage is down.</summary>
    public bool FailBeforeWrite { get; set; }

    /// <summary>The next this-many appends reach storage and then fail, as when the answer of a committed write is lost.</summary>
    public int FailAfterWriteCount { get; set; }

    /// <summary>Appends waiting at the gate now.</summary>
    public int Held
    {
        get
        {
            lock (_lock)
            {
                return _held;
            }
        }
    }

    /// <summary>The most appends that ever waited at the gate at once.</summary>
    public int PeakHeld { get; private set; }

    /// <summary>Appends that reached storage through this wrapper.</summary>
    public int Written { get; private set; }

    /// <summary>Replaces the <see cref="IEventArchive"/> that <c>AddCdp</c> registered with a wrapper around it.</summary>
    public static void Install(ISiloBuilder silo)
    {
        var services = silo.Services;
        var registered = services.Last(d => d.ServiceType == typeof(IEventArchive));
        services.Remove(registered);
        services.AddSingleton<IEventArchive>(sp => new FaultyArchive(Create(registered, sp)));
    }

    public static FaultyArchive Of(InProcessSiloHandle silo) => (FaultyArchive)silo.ServiceProvider.GetRequiredService<IEventArchive>();

    /// <summary>From now on appends wait until <see cref="Release"/>.</summary>
    public void Hold()
    {
        lock (_lock)
        {
            if (_gate.Task.IsCompleted)
            {
                _gate = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            }
        }
    }

    /// <summary>Lets every held append go on, and the ones after it.</summary>
    public void Release()
    {
        lock (_lock)
        {
            _gate.TrySetResult();
        }
    }

    /// <summary>Completes once at least <paramref name="count"/> appends wait at the gate.</summary>
    public Task WaitUntilHeldAsync(int count)
    {
        lock (_lock)
        {
            if (_held >= count)
            {
                return Task.CompletedTask;
            }

            var reached = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _waiter = (count, reached);
            return reached.Task;
        }
    }

    public async Task<AppendResult> AppendAsync(
        string customerId, long lastSequence, IReadOnlyList<PendingEvent> events, CancellationToken cancellationToken)
    {
        await PassGateAsync();
        if (FailBeforeWrite)
        {
            throw new RequestFailedException(503, "Injected storage failure: the append did not reach storage.");
        }

        var result = await inner.AppendAsync(customerId, lastSequence, events, cancellationToken);
        bool lose;
        lock (_lock)
        {
            Written++;
            lose = FailAfterWriteCount > 0;
            if (lose)
            {
                FailAfterWriteCount--;
            }
        }

        return lose
            ? throw new RequestFailedException(500, "Injected storage failure: the append was written, but its answer was lost.")
            : result;
    }

    public Task<IReadOnlyList<(long Sequence, byte[] Json)>> ReadAsync(
        string customerId, long afterSequence, int max, CancellationToken cancellationToken) =>
        inner.ReadAsync(customerId, afterSequence, max, cancellationToken);

    public Task<(long Sequence, byte[] Json)?> FindAsync(string customerId, string messageId, CancellationToken cancellationToken) =>
        inner.FindAsync(customerId, messageId, cancellationToken);

    public Task ReplaceAsync(string customerId, long sequence, byte[] json, CancellationToken cancellationToken) =>
        inner.ReplaceAsync(customerId, sequence, json, cancellationToken);

    public Task DeleteAsync(
        string customerId, IReadOnlyList<(long Sequence, string MessageId)> events, CancellationToken cancellationToken) =>
        inner.DeleteAsync(customerId, events, cancellationToken);

    private async Task PassGateAsync()
    {
        Task gate;
        lock (_lock)
        {
            gate = _gate.Task;
            if (gate.IsCompleted)
            {
                return;
            }

            _held++;
            PeakHeld = Math.Max(PeakHeld, _held);
            if (_waiter is { } waiter && _held >= waiter.Count)
            {
                _waiter = null;
                waiter.Reached.TrySetResult();
            }
        }

        try
        {
            await gate;
        }
        finally
        {
            lock (_lock)
            {
                _held--;
            }
        }
    }

    public Task<long> DeleteAllAsync(string customerId, CancellationToken cancellationToken) =>
        inner.DeleteAllAsync(customerId, cancellationToken);

    public Task<long> DeleteReceivedBeforeAsync(DateTimeOffset cutoff, CancellationToken cancellationToken) =>
        inner.DeleteReceivedBeforeAsync(cutoff, cancellationToken);

    private static IEventArchive Create(ServiceDescriptor registered, IServiceProvider services) =>
        registered.ImplementationInstance as IEventArchive
        ?? registered.ImplementationFactory?.Invoke(services) as IEventArchive
        ?? (IEventArchive)ActivatorUtilities.CreateInstance(services, registered.ImplementationType!);

    private static TaskCompletionSource Opened()
    {
        var opened = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        opened.SetResult();
        return opened;
    }
}
