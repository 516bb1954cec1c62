using System.Threading.Channels;
using Cdp.Grains.Segments;

namespace Cdp.UnitTests.Segments;

public sealed class StateWritesTests
{
    [Fact]
    public async Task ChangesDuringAWrite_ShareOneNextWrite_AndEachCallerCompletesAfterTheWriteThatHoldsIt()
    {
        var storage = new HeldWrites();
        var writes = new StateWrites(storage.WriteAsync);

        var first = writes.WriteAsync();
        var held = await storage.Started.ReadAsync();
        var second = writes.WriteAsync();
        var third = writes.WriteAsync();

        Assert.Same(second, third);
        Assert.False(first.IsCompleted);
        held.SetResult();
        await first;
        Assert.False(second.IsCompleted);
        (await storage.Started.ReadAsync()).SetResult();
        await second;

        Assert.Equal(2, storage.Count);
        Assert.False(writes.Unsaved);
    }

    [Fact]
    public async Task AFailedWrite_FailsItsCallers_LeavesTheStateUnsaved_AndTheNextWriteSavesIt()
    {
        var storage = new HeldWrites();
        var writes = new StateWrites(storage.WriteAsync);

        var failing = writes.WriteAsync();
        (await storage.Started.ReadAsync()).SetException(new TimeoutException("storage unavailable"));

        await Assert.ThrowsAsync<TimeoutException>(() => failing);
        Assert.True(writes.Unsaved);

        var retry = writes.WriteAsync();
        (await storage.Started.ReadAsync()).SetResult();
        await retry;

        Assert.False(writes.Unsaved);
        Assert.Equal(2, storage.Count);
    }

    private sealed class HeldWrites
    {
        private readonly Channel<TaskCompletionSource> _started = Channel.CreateUnbounded<TaskCompletionSource>();

        public ChannelReader<TaskCompletionSource> Started => _started.Reader;

        public int Count { get; private set; }

        public Task WriteAsync()
        {
            Count++;
            var write = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
            _started.Writer.TryWrite(write);
            return write.Task;
        }
    }
}
