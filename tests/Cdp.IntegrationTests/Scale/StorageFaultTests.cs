using Azure;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Scale;

/// <summary>
/// The event archive failing or slow under a customer grain: the caller gets an error rather than an
/// acknowledgement, the profile stays as it was, and a retry with the same messageId, once storage is back,
/// is applied exactly once.
/// </summary>
public sealed class StorageFaultTests : IAsyncLifetime
{
    private CdpTestCluster _cluster = null!;

    private ICdpClient Client => _cluster.Client;

    private FaultyArchive Archive => FaultyArchive.Of(_cluster.Cluster.Silos[0]);

    public async Task InitializeAsync() => _cluster = await CdpTestCluster.StartAsync(configureSilo: FaultyArchive.Install);

    public async Task DisposeAsync() => await _cluster.DisposeAsync();

    [Fact]
    public async Task Append_WhileStorageIsDown_FailsTheCallChangesNothingAndARetryAfterRecoveryIsAppliedOnce()
    {
        var user = TestIds.New("down");
        await Client.SendAsync(Order(user, "m-1", 10));
        var order = Order(user, "m-2", 25);

        Archive.FailBeforeWrite = true;
        var first = await Assert.ThrowsAsync<RequestFailedException>(() => Client.SendAsync(order));
        var second = await Assert.ThrowsAsync<RequestFailedException>(() => Client.SendAsync(order));
        var duringOutage = await ProfileAsync(user);
        Archive.FailBeforeWrite = false;
        var retry = await Client.SendAsync(order);
        var again = await Client.SendAsync(order);

        Assert.All(
            [first, second],
            e => Assert.StartsWith("Injected storage failure: the append did not", e.Message, StringComparison.Ordinal));
        Assert.Equal((1L, 10m), (duringOutage.EventCount, duringOutage.Events["Order Completed"].Sum));
        Assert.Equal((false, true), (retry.Duplicate, again.Duplicate));
        await AssertAppliedOnceAsync(user, ["m-1", "m-2"], 35m);
    }

    [Fact]
    public async Task Append_WrittenButAnswerLost_RetryIsReportedDuplicateAndTheEventCountsOnce()
    {
        var user = TestIds.New("lost");
        await Client.SendAsync(Order(user, "m-1", 10));
        var order = Order(user, "m-2", 25);

        Archive.FailAfterWriteCount = 1;
        var failure = await Assert.ThrowsAsync<RequestFailedException>(() => Client.SendAsync(order));
        var retry = await Client.SendAsync(order);
        var later = await Client.SendAsync(Order(user, "m-3", 5));

        Assert.StartsWith("Injected storage failure: the append was written", failure.Message, StringComparison.Ordinal);
        Assert.Equal((true, false), (retry.Duplicate, later.Duplicate));
        await AssertAppliedOnceAsync(user, ["m-1", "m-2", "m-3"], 40m);
    }

    [Fact]
    public async Task Append_SlowerThanTheCallerWaits_CallerGivesUpAndItsRetryIsAppliedOnce()
    {
        var user = TestIds.New("slow");
        await Client.SendAsync(Order(user, "m-1", 10));
        var order = Order(user, "m-2", 25);

        Archive.Hold();
        using var patience = new CancellationTokenSource();
        var slow = Client.SendAsync(order, patience.Token);
        await Archive.WaitUntilHeldAsync(1);
        await patience.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => slow);
        var retry = Client.SendAsync(order);
        Archive.Release();
        var receipt = await retry;

        Assert.True(receipt.Duplicate);
        await AssertAppliedOnceAsync(user, ["m-1", "m-2"], 35m);
    }

    private static CdpEvent Order(string user, string messageId, decimal revenue) => new()
    {
        Type = EventType.Track,
        UserId = user,
        Event = "Order Completed",
        MessageId = $"{user}-{messageId}",
        Properties = new() { ["revenue"] = (double)revenue },
    };

    private async Task<CustomerProfile> ProfileAsync(string user) =>
        await Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, user)) ?? throw new InvalidOperationException("no profile");

    private async Task AssertAppliedOnceAsync(string user, string[] messageIds, decimal revenue)
    {
        var profile = await ProfileAsync(user);
        var archived = await Client.ReadAllEventsAsync(new ExternalId(IdentifierTypes.UserId, user)).ToListAsync();

        Assert.Equal(
            (messageIds.Length, messageIds.Length, revenue),
            (profile.EventCount, profile.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
        Assert.Equal(messageIds.Select(m => $"{user}-{m}"), archived.Select(e => e.Event.MessageId));
    }
}
