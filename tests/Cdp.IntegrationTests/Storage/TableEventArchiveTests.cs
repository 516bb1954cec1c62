using Azure.Data.Tables;
using Cdp.Grains.Archive;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Storage;

/// <summary>The table archive's own contract, straight against Azurite.</summary>
[Collection(AzuriteCollection.Name)]
public sealed class TableEventArchiveTests(AzuriteFixture azurite)
{
    private readonly TableEventArchive _archive = new(new TableServiceClient(azurite.ConnectionString), "ArchiveContractTests");

    [Fact]
    public async Task Append_ThreeTransactionsWithKnownMessageIds_SkipsExactlyTheKnownOnes()
    {
        var customer = TestIds.New("c");
        var evens = Enumerable.Range(0, 60).Select(i => Event(2 * i)).ToList();
        await _archive.AppendAsync(customer, 0, evens, CancellationToken.None);

        // 120 events in three transactions of at most 50; every one of them meets already archived ids.
        var all = Enumerable.Range(0, 120).Select(Event).ToList();
        var result = await _archive.AppendAsync(customer, 60, all, CancellationToken.None);

        Assert.Equal(Enumerable.Range(0, 120).Select(i => i % 2 == 0), result.Duplicates);
        Assert.Equal(120, result.LastSequence);
        var stored = await _archive.ReadAsync(customer, 0, 1000, CancellationToken.None);
        Assert.Equal(Enumerable.Range(1, 120).Select(i => (long)i), stored.Select(s => s.Sequence));
        var expectedOrder = Enumerable.Range(0, 60).Select(i => 2 * i).Concat(Enumerable.Range(0, 60).Select(i => (2 * i) + 1));
        Assert.Equal(expectedOrder.Select(i => $"m{i}"), stored.Select(s => System.Text.Encoding.UTF8.GetString(s.Json)));
    }

    [Fact]
    public async Task Append_AfterAnotherWriter_ThrowsConcurrencyAndWritesNothing()
    {
        var customer = TestIds.New("c");
        await _archive.AppendAsync(customer, 0, Events(0, 3), CancellationToken.None);

        await Assert.ThrowsAsync<ArchiveConcurrencyException>(() =>
            _archive.AppendAsync(customer, 1, Events(100, 2), CancellationToken.None));

        var stored = await _archive.ReadAsync(customer, 0, 10, CancellationToken.None);
        Assert.Equal(["m0", "m1", "m2"], stored.Select(s => System.Text.Encoding.UTF8.GetString(s.Json)));
    }

    [Fact]
    public async Task Read_AfterSequenceWithLimit_ReturnsThatSlice()
    {
        var customer = TestIds.New("c");
        await _archive.AppendAsync(customer, 0, Events(0, 10), CancellationToken.None);

        var slice = await _archive.ReadAsync(customer, 4, 3, CancellationToken.None);

        Assert.Equal([5L, 6L, 7L], slice.Select(s => s.Sequence));
    }

    // The archive stores bytes as given; plain text stands in for event JSON here.
    private static List<PendingEvent> Events(int from, int count) => Enumerable.Range(from, count).Select(Event).ToList();

    private static PendingEvent Event(int i) => new($"m{i}", System.Text.Encoding.UTF8.GetBytes($"m{i}"));
}
