using System.Security.Cryptography;
using System.Text;
using Cdp.IntegrationTests.Infrastructure;
using Orleans.Streams;

namespace Cdp.IntegrationTests.Privacy;

/// <summary>A person with identifiers and trait values of its own, spread over two customers that a link event merges.</summary>
public sealed class Person
{
    public Person()
    {
        var tag = Guid.NewGuid().ToString("N");
        Email = new ExternalId(IdentifierTypes.Email, $"ada.{tag}@example.com");
        User = new ExternalId(IdentifierTypes.UserId, $"ada-{tag}");
        Crm = new ExternalId(IdentifierTypes.CrmId, $"crm-{tag}");
        Name = $"Ada Lovelace {tag[..12]}";
        Phone = $"+44 20 7946 {tag[12..20]}";
    }

    public ExternalId Email { get; }

    public ExternalId User { get; }

    public ExternalId Crm { get; }

    public string Name { get; }

    public string Phone { get; }

    /// <summary>What must not be stored anywhere after the erasure: identifier values and trait values.</summary>
    public IReadOnlyList<string> Needles => [Email.Value, User.Value, Crm.Value, Name, Phone];

    /// <summary>
    /// Two customers (one with user id, email and personal traits; one with the CRM id), then a link event that
    /// merges the second into the first. Returns the events as sent, in order.
    /// </summary>
    public List<CdpEvent> Story() =>
    [
        Event(EventType.Identify, "m1", [User, Email]) with
        {
            Traits = new() { ["name"] = Name, ["phone"] = Phone, ["plan"] = "pro" },
        },
        Event(EventType.Track, "m2", [User]) with { Event = "Order Completed", Properties = new() { ["revenue"] = 42 } },
        Event(EventType.Track, "m3", [Crm]) with { Event = "Ticket Opened", Properties = new() { ["callback"] = Phone } },
        Event(EventType.Track, "m4", [Crm]) with { Event = "Ticket Closed" },
        Event(EventType.Track, "m5", [User, Crm]) with { Event = "Support Chat" },
    ];

    private CdpEvent Event(EventType type, string suffix, ExternalId[] ids) => new()
    {
        Type = type,
        Identifiers = ids,
        MessageId = $"{User.Value}-{suffix}",
    };
}

public static class PrivacyTestSupport
{
    /// <summary>The contract of suppression hashes, computed here independently: HMAC-SHA256(salt, "type:value"), lower-case hex.</summary>
    public static string Hash(ExternalId id, string salt = CdpTestCluster.TestSalt) =>
        Convert.ToHexStringLower(HMACSHA256.HashData(Encoding.UTF8.GetBytes(salt), Encoding.UTF8.GetBytes(IdentityKeys.Of(id))));

    /// <summary>
    /// Subscribes the cluster's client to erasure notices; the task completes with the first notice about <paramref name="customerId"/>.
    /// </summary>
    public static async Task<(Task<ErasureNotice> Notice, StreamSubscriptionHandle<ErasureNotice> Handle)> SubscribeAsync(
        CdpTestCluster cluster, Func<string?> customerId)
    {
        var received = new TaskCompletionSource<ErasureNotice>(TaskCreationOptions.RunContinuationsAsynchronously);
        var stream = cluster.Grains.GetStreamProvider(CdpStreams.ProviderName)
            .GetStream<ErasureNotice>(StreamId.Create(CdpStreams.ErasureNamespace, CdpStreams.ErasureStreamKey));
        var handle = await stream.SubscribeAsync((notice, _) =>
        {
            if (notice.CustomerId == customerId())
            {
                received.TrySetResult(notice);
            }

            return Task.CompletedTask;
        });
        return (received.Task, handle);
    }
}
