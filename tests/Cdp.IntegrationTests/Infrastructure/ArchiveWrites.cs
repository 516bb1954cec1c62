using Cdp.Grains.Archive;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>
/// Writes an event straight into a silo's archive, bypassing its customer grain, as a commit whose answer
/// was lost or a second activation would leave it.
/// </summary>
public static class ArchiveWrites
{
    /// <summary>
    /// Appends <paramref name="evt"/> after <paramref name="lastSequence"/> in the routed form the ingest
    /// grain would give it (its user id as identifier, receivedAt set); returns the event as a client sends it.
    /// </summary>
    public static async Task<CdpEvent> AppendBehindTheGrainAsync(
        InProcessSiloHandle silo, string customerId, long lastSequence, CdpEvent evt)
    {
        var routed = evt with
        {
            ReceivedAt = DateTimeOffset.UtcNow,
            Identifiers = [new ExternalId(IdentifierTypes.UserId, evt.UserId!)],
        };
        var archive = silo.ServiceProvider.GetRequiredService<IEventArchive>();
        PendingEvent[] pending = [new(routed.MessageId!, CdpJson.Serialize(routed))];
        await archive.AppendAsync(customerId, lastSequence, pending, CancellationToken.None);
        return evt;
    }
}
