using Orleans.Streams;
using Orleans.Streams.Core;

namespace Cdp.Grains.Segments;

/// <summary>
/// A base for grains hosted with Cdp that take segment or trigger messages through an Orleans implicit subscription:
/// no subscribe call and nothing in <c>PubSubStore</c>. Mark the derived grain with
/// <c>[ImplicitStreamSubscription(SegmentStreams.Segments)]</c> (or <see cref="SegmentStreams.Triggers"/>); the grain
/// whose key is a definition's id then receives that definition's messages, one at a time, in publication order.
/// </summary>
/// <example>
/// <code>
/// [ImplicitStreamSubscription(SegmentStreams.Triggers)]
/// public sealed class AbandonedCartMailer(IMailer mailer) : SegmentConsumerGrain
/// {
///     protected override Task OnMessageAsync(SegmentMessage message) =>
///         mailer.SendReminderAsync(message.Identifiers, message.EventTime);
/// }
/// </code>
/// </example>
public abstract class SegmentConsumerGrain : Grain, IGrainWithStringKey, IStreamSubscriptionObserver, IAsyncObserver<SegmentMessage>
{
    /// <summary>The definition whose messages this grain receives (its key).</summary>
    protected string DefinitionId => this.GetPrimaryKeyString();

    public async Task OnSubscribed(IStreamSubscriptionHandleFactory handleFactory)
    {
        ArgumentNullException.ThrowIfNull(handleFactory);
        await handleFactory.Create<SegmentMessage>().ResumeAsync(this);
    }

    public Task OnNextAsync(SegmentMessage item, StreamSequenceToken? token = null) => OnMessageAsync(item);

    public virtual Task OnCompletedAsync() => Task.CompletedTask;

    public virtual Task OnErrorAsync(Exception ex) => Task.CompletedTask;

    /// <summary>Handles one message; the next waits until the returned task ends.</summary>
    protected abstract Task OnMessageAsync(SegmentMessage message);
}
