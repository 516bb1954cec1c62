using Cdp.Grains.Segments;
using Cdp.IntegrationTests.Infrastructure;
using Orleans.Concurrency;

namespace Cdp.IntegrationTests.Segments;

public interface IRecordingConsumerGrain : IGrainWithStringKey
{
    /// <summary>The messages received, once there are at least <paramref name="count"/>.</summary>
    [AlwaysInterleave]
    Task<SegmentMessage[]> WaitForAsync(int count);
}

/// <summary>A consumer as an application would write one: it keeps what it received, for the test to read.</summary>
[ImplicitStreamSubscription(SegmentStreams.Segments)]
public sealed class RecordingConsumerGrain : SegmentConsumerGrain, IRecordingConsumerGrain
{
    private readonly List<SegmentMessage> _received = [];
    private TaskCompletionSource _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public async Task<SegmentMessage[]> WaitForAsync(int count)
    {
        while (_received.Count < count)
        {
            await _changed.Task;
        }

        return [.. _received];
    }

    protected override Task OnMessageAsync(SegmentMessage message)
    {
        _received.Add(message);
        var changed = _changed;
        _changed = new(TaskCreationOptions.RunContinuationsAsynchronously);
        changed.SetResult();
        return Task.CompletedTask;
    }
}

/// <summary>A grain derived from <see cref="SegmentConsumerGrain"/> receives a segment's messages by implicit subscription.</summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class ConsumerGrainTests(SegmentClusterFixture fixture)
{
    [Fact]
    public async Task ConsumerGrain_KeyedByTheSegment_ReceivesItsMessagesInOrder()
    {
        var segment = TestIds.New("consumed");
        await fixture.Client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = """trait("tier") = "gold" """ });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("consumer"));
        await fixture.Client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);

        await fixture.Client.IdentifyAsync(who, new() { ["tier"] = "gold" });
        await fixture.Client.IdentifyAsync(who, new() { ["tier"] = "silver" });

        var seen = await inbox.NextAsync(2);
        var received = await fixture.Cluster.Grains.GetGrain<IRecordingConsumerGrain>(segment)
            .WaitForAsync(2).WaitAsync(TimeSpan.FromSeconds(15));

        Assert.Equal(seen.Select(m => (m.Change, m.MessageId)), received.Select(m => (m.Change, m.MessageId)));
        Assert.Equal([SegmentChange.Entered, SegmentChange.Exited], received.Select(m => m.Change));
    }
}
