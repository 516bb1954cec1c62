using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Cluster;

[Collection(MemoryClusterCollection.Name)]
public sealed class ResolutionAndRecoveryTests(MemoryClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task Batch_AnonymousVisitThenIdentify_EndsOnOneCustomerEveryTime()
    {
        // A tracker's usual first batch: anonymous page views, then the identify call that names the user.
        for (var run = 0; run < 20; run++)
        {
            var anonymousId = TestIds.New("anon");
            var userId = TestIds.New("user");
            CdpEvent[] batch =
            [
                new() { Type = EventType.Page, AnonymousId = anonymousId, Name = "Home" },
                new() { Type = EventType.Page, AnonymousId = anonymousId, Name = "Pricing" },
                new()
                {
                    Type = EventType.Identify,
                    UserId = userId,
                    AnonymousId = anonymousId,
                    Traits = new() { ["email"] = userId + "@example.com" },
                },
                new() { Type = EventType.Track, UserId = userId, Event = "Trial Started" },
                new() { Type = EventType.Track, UserId = TestIds.New("someone-else"), Event = "Trial Started" },
            ];

            var receipts = await _client.SendBatchAsync(batch);

            Assert.Single(receipts.Take(4).Select(r => r.CustomerId).Distinct());
            Assert.NotEqual(receipts[0].CustomerId, receipts[4].CustomerId);
            var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
            Assert.Equal(4, profile!.EventCount);
            Assert.Empty(profile.Journal);
        }
    }

    [Fact]
    public async Task Retry_OfACallThatCommittedButWasNotAcknowledged_IsReportedDuplicateAndIsInTheProfile()
    {
        var userId = TestIds.New("lost-ack");
        var first = await _client.TrackAsync(CustomerRef.User(userId), "Signed In");

        // The archive holds an event that the grain never applied: a commit whose answer was lost.
        var lost = await ArchiveWrites.AppendBehindTheGrainAsync(Silo, first.CustomerId, 1, new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Order Completed",
            MessageId = TestIds.New("m"),
            Properties = new() { ["revenue"] = 30 },
        });

        var retry = await _client.SendAsync(lost);

        Assert.True(retry.Duplicate);
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
        Assert.Equal((2L, 2L), (profile!.EventCount, profile.Sequence));
        Assert.Equal((1L, 30m), (profile.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
    }

    [Fact]
    public async Task Append_AfterAnotherWriterExtendedTheArchive_CatchesUpAndAppliesBoth()
    {
        var userId = TestIds.New("other-writer");
        var first = await _client.TrackAsync(CustomerRef.User(userId), "Signed In");

        // Another activation of the customer (as for a moment after a silo failure) appended sequence 2.
        await ArchiveWrites.AppendBehindTheGrainAsync(Silo, first.CustomerId, 1, new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Email Opened",
            MessageId = TestIds.New("m"),
        });

        var next = await _client.TrackAsync(CustomerRef.User(userId), "Order Completed");

        Assert.False(next.Duplicate);
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
        Assert.Equal((3L, 3L), (profile!.EventCount, profile.Sequence));
        Assert.Equal(["Email Opened", "Order Completed", "Signed In"], profile.Events.Keys.Order(StringComparer.Ordinal));
        var archived = await _client.ReadAllEventsAsync(new ExternalId(IdentifierTypes.UserId, userId)).ToListAsync();
        Assert.Equal(["Signed In", "Email Opened", "Order Completed"], archived.Select(e => e.Event.Event));
    }

    private InProcessSiloHandle Silo => fixture.Cluster.Cluster.Silos[0];
}
