using System.Text;
using Cdp.Grains.Archive;

namespace Cdp.UnitTests;

public sealed class MemoryEventArchiveTests
{
    private const string Customer = "c-1";

    private readonly MemoryEventArchive _archive = new();

    [Fact]
    public async Task AppendAsync_NewEvents_AssignsSequencesFromOne()
    {
        var result = await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);

        Assert.Equal([false, false, false], result.Duplicates);
        Assert.Equal(3, result.LastSequence);
        Assert.Equal([(1L, "m-1"), (2L, "m-2"), (3L, "m-3")], await ReadAllAsync());
    }

    [Fact]
    public async Task AppendAsync_SameMessageIdsAgain_ReportsDuplicatesAndAppendsNothing()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2"), CancellationToken.None);

        var result = await _archive.AppendAsync(Customer, 2, Pending("m-1", "m-2"), CancellationToken.None);

        Assert.Equal([true, true], result.Duplicates);
        Assert.Equal(2, result.LastSequence);
        Assert.Equal([(1L, "m-1"), (2L, "m-2")], await ReadAllAsync());
    }

    [Fact]
    public async Task AppendAsync_MixOfNewAndArchived_AppendsOnlyNewOnes()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2"), CancellationToken.None);
        var events = Pending("m-2", "m-3", "m-3", "m-1", "m-4");

        var result = await _archive.AppendAsync(Customer, 2, events, CancellationToken.None);

        Assert.Equal([true, false, true, true, false], result.Duplicates);
        Assert.Equal(4, result.LastSequence);
        Assert.Equal([(1L, "m-1"), (2L, "m-2"), (3L, "m-3"), (4L, "m-4")], await ReadAllAsync());
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task AppendAsync_StaleLastSequence_ThrowsAndAppendsNothing(long lastSequence)
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);

        await Assert.ThrowsAsync<ArchiveConcurrencyException>(
            () => _archive.AppendAsync(Customer, lastSequence, Pending("m-9"), CancellationToken.None));

        Assert.Equal([(1L, "m-1"), (2L, "m-2"), (3L, "m-3")], await ReadAllAsync());
    }

    [Fact]
    public async Task AppendAsync_TwoCustomers_KeepSeparateSequencesAndMessageIds()
    {
        await _archive.AppendAsync("c-1", 0, Pending("m-1", "m-2"), CancellationToken.None);

        var result = await _archive.AppendAsync("c-2", 0, Pending("m-1"), CancellationToken.None);

        Assert.Equal([false], result.Duplicates);
        Assert.Equal(1, result.LastSequence);
    }

    [Theory]
    [InlineData(0, 2, new long[] { 1, 2 })]
    [InlineData(2, 2, new long[] { 3, 4 })]
    [InlineData(4, 2, new long[] { 5 })]
    [InlineData(5, 2, new long[0])]
    [InlineData(1, 10, new long[] { 2, 3, 4, 5 })]
    [InlineData(3, 0, new long[0])]
    [InlineData(9, 5, new long[0])]
    public async Task ReadAsync_AfterSequenceAndMax_ReturnsThatPage(long afterSequence, int max, long[] expected)
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3", "m-4", "m-5"), CancellationToken.None);

        var rows = await _archive.ReadAsync(Customer, afterSequence, max, CancellationToken.None);

        Assert.Equal(expected, rows.Select(r => r.Sequence));
        Assert.Equal(expected.Select(s => $"m-{s}"), rows.Select(r => Encoding.UTF8.GetString(r.Json)));
    }

    [Fact]
    public async Task ReadAsync_UnknownCustomer_ReturnsEmpty()
    {
        Assert.Empty(await _archive.ReadAsync("nobody", 0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_ArchivedMessageId_ReturnsItsSequenceAndJson()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);

        var found = await _archive.FindAsync(Customer, "m-2", CancellationToken.None);

        Assert.Equal((2L, "m-2"), Text(found));
    }

    [Fact]
    public async Task FindAsync_UnknownMessageIdOrCustomer_ReturnsNull()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1"), CancellationToken.None);

        Assert.Null(await _archive.FindAsync(Customer, "m-9", CancellationToken.None));
        Assert.Null(await _archive.FindAsync("nobody", "m-1", CancellationToken.None));
    }

    [Fact]
    public async Task FindAsync_AfterDeletingEarlierEvents_FindsTheLaterOnes()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3", "m-4"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(1, "m-1"), (2, "m-2")], CancellationToken.None);

        Assert.Equal((4L, "m-4"), Text(await _archive.FindAsync(Customer, "m-4", CancellationToken.None)));
        Assert.Null(await _archive.FindAsync(Customer, "m-2", CancellationToken.None));
    }

    [Fact]
    public async Task ReplaceAsync_ArchivedSequence_ChangesOnlyItsJsonAndKeepsItsMessageId()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);

        await _archive.ReplaceAsync(Customer, 2, Encoding.UTF8.GetBytes("rewritten"), CancellationToken.None);

        Assert.Equal([(1L, "m-1"), (2L, "rewritten"), (3L, "m-3")], await ReadAllAsync());
        Assert.Equal((2L, "rewritten"), Text(await _archive.FindAsync(Customer, "m-2", CancellationToken.None)));
        var again = await _archive.AppendAsync(Customer, 3, Pending("m-2"), CancellationToken.None);
        Assert.Equal([true], again.Duplicates);
        Assert.Equal((3L, 2L), (again.LastSequence, again.HighestDuplicateSequence));
    }

    [Theory]
    [InlineData(0)]
    [InlineData(2)]
    [InlineData(4)]
    public async Task ReplaceAsync_SequenceNotArchived_ThrowsAndChangesNothing(long sequence)
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(2, "m-2")], CancellationToken.None);

        var ex = await Assert.ThrowsAsync<InvalidOperationException>(
            () => _archive.ReplaceAsync(Customer, sequence, Encoding.UTF8.GetBytes("x"), CancellationToken.None));

        Assert.Equal($"Customer {Customer} has no archived event {sequence}.", ex.Message);
        Assert.Equal([(1L, "m-1"), (3L, "m-3")], await ReadAllAsync());
    }

    [Fact]
    public async Task DeleteAsync_SomeEvents_RemovesThemAndTheirMessageIds()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3", "m-4", "m-5"), CancellationToken.None);

        await _archive.DeleteAsync(Customer, [(2, "m-2"), (4, "m-4")], CancellationToken.None);

        Assert.Equal([(1L, "m-1"), (3L, "m-3"), (5L, "m-5")], await ReadAllAsync());
        Assert.Null(await _archive.FindAsync(Customer, "m-4", CancellationToken.None));
    }

    [Theory]
    [InlineData(0, 2, new long[] { 1, 3 })]
    [InlineData(1, 1, new long[] { 3 })]
    [InlineData(2, 1, new long[] { 3 })]
    [InlineData(3, 5, new long[] { 5, 7 })]
    [InlineData(4, 1, new long[] { 5 })]
    [InlineData(5, 10, new long[] { 7 })]
    [InlineData(6, 10, new long[] { 7 })]
    [InlineData(7, 10, new long[0])]
    public async Task ReadAsync_AcrossDeletedGaps_ReturnsThatPage(long afterSequence, int max, long[] expected)
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3", "m-4", "m-5", "m-6", "m-7"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(2, "m-2"), (4, "m-4"), (6, "m-6")], CancellationToken.None);

        var rows = await _archive.ReadAsync(Customer, afterSequence, max, CancellationToken.None);

        Assert.Equal(expected, rows.Select(r => r.Sequence));
        Assert.Equal(expected.Select(s => $"m-{s}"), rows.Select(r => Encoding.UTF8.GetString(r.Json)));
    }

    [Fact]
    public async Task AppendAsync_AfterDeletingTheNewestEvents_ContinuesAfterTheLastRemainingOne()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(2, "m-2"), (3, "m-3")], CancellationToken.None);

        await Assert.ThrowsAsync<ArchiveConcurrencyException>(
            () => _archive.AppendAsync(Customer, 3, Pending("m-4"), CancellationToken.None));
        var result = await _archive.AppendAsync(Customer, 1, Pending("m-4"), CancellationToken.None);

        Assert.Equal([false], result.Duplicates);
        Assert.Equal(2, result.LastSequence);
        Assert.Equal([(1L, "m-1"), (2L, "m-4")], await ReadAllAsync());
    }

    [Fact]
    public async Task AppendAsync_AfterDeletingAMiddleEvent_ContinuesAfterTheNewest()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(2, "m-2")], CancellationToken.None);

        var result = await _archive.AppendAsync(Customer, 3, Pending("m-4"), CancellationToken.None);

        Assert.Equal(4, result.LastSequence);
        Assert.Equal([(1L, "m-1"), (3L, "m-3"), (4L, "m-4")], await ReadAllAsync());
    }

    [Fact]
    public async Task AppendAsync_AfterDeletingEverything_StartsFromOneAgain()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(1, "m-1"), (2, "m-2")], CancellationToken.None);

        var result = await _archive.AppendAsync(Customer, 0, Pending("m-3"), CancellationToken.None);

        Assert.Equal(1, result.LastSequence);
        Assert.Equal([(1L, "m-3")], await ReadAllAsync());
    }

    [Fact]
    public async Task DeleteAsync_Twice_LeavesTheSameEvents()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);
        (long, string)[] gone = [(1, "m-1"), (3, "m-3")];

        await _archive.DeleteAsync(Customer, gone, CancellationToken.None);
        await _archive.DeleteAsync(Customer, gone, CancellationToken.None);

        Assert.Equal([(2L, "m-2")], await ReadAllAsync());
    }

    [Fact]
    public async Task DeleteAsync_UnknownCustomer_CreatesNothing()
    {
        await _archive.DeleteAsync("nobody", [(1, "m-1")], CancellationToken.None);

        Assert.Empty(await _archive.ReadAsync("nobody", 0, 10, CancellationToken.None));
    }

    [Fact]
    public async Task AppendAsync_DeletedMessageIdAgain_AppendsItAsNew()
    {
        await _archive.AppendAsync(Customer, 0, Pending("m-1", "m-2", "m-3"), CancellationToken.None);
        await _archive.DeleteAsync(Customer, [(2, "m-2")], CancellationToken.None);

        var result = await _archive.AppendAsync(Customer, 3, Pending("m-2"), CancellationToken.None);

        Assert.Equal([false], result.Duplicates);
        Assert.Equal((4L, 0L), (result.LastSequence, result.HighestDuplicateSequence));
        Assert.Equal([(1L, "m-1"), (3L, "m-3"), (4L, "m-2")], await ReadAllAsync());
        Assert.Equal((4L, "m-2"), Text(await _archive.FindAsync(Customer, "m-2", CancellationToken.None)));
    }

    private async Task<(long Sequence, string Json)[]> ReadAllAsync()
    {
        var rows = await _archive.ReadAsync(Customer, 0, 100, CancellationToken.None);
        return [.. rows.Select(r => (r.Sequence, Encoding.UTF8.GetString(r.Json)))];
    }

    private static (long Sequence, string Json)? Text((long Sequence, byte[] Json)? row) =>
        row is { } r ? (r.Sequence, Encoding.UTF8.GetString(r.Json)) : null;

    // The JSON bytes stand in for the event; they carry the messageId so rows can be told apart.
    private static PendingEvent[] Pending(params string[] messageIds) =>
        [.. messageIds.Select(id => new PendingEvent(id, Encoding.UTF8.GetBytes(id)))];
}
