namespace Cdp.Grains.Segments;

/// <summary>
/// Group commit for a reentrant grain (a shard of a member list or of the customer index, through
/// <see cref="LoggedIdSet{TSnapshot}"/>). Callers change the state in their own turn, then await
/// <see cref="WriteAsync"/>: while a write is in flight, every caller that changed the state meanwhile waits for one
/// next write, which covers all their changes. So a busy shard writes once per storage round trip, not once per
/// change. Used on the grain's own scheduler only.
/// </summary>
internal sealed class StateWrites(Func<Task> write)
{
    private bool _writing;
    private TaskCompletionSource? _next;

    /// <summary>
    /// True when a write failed and no write has succeeded since: the state holds changes storage does not, so a
    /// caller that finds nothing to change must still write.
    /// </summary>
    public bool Unsaved { get; private set; }

    /// <summary>Completes when a write that started after the caller's change has succeeded; throws if it failed.</summary>
    public Task WriteAsync()
    {
        if (_writing)
        {
            return (_next ??= new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously)).Task;
        }

        _writing = true;
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        _ = RunAsync(done);
        return done.Task;
    }

    private async Task RunAsync(TaskCompletionSource done)
    {
        while (true)
        {
            try
            {
                await write();
                Unsaved = false;
                done.TrySetResult();
            }
            catch (Exception ex)
            {
                Unsaved = true;
                done.TrySetException(ex);
            }

            if (_next is null)
            {
                _writing = false;
                return;
            }

            done = _next;
            _next = null;
        }
    }
}
