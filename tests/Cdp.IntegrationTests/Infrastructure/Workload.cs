using Cdp.Client;

namespace Cdp.IntegrationTests.Infrastructure;

/// <summary>
/// A reproducible stream of events for many customers, with duplicates and late arrivals, and the
/// profiles it must produce, computed here from the events alone (not by the code under test).
/// </summary>
public sealed class Workload
{
    private static readonly string[] Plans = ["free", "basic", "pro", "enterprise"];

    private readonly Dictionary<string, List<CdpEvent>> _byUser = [];

    private Workload(List<CdpEvent> uniqueEvents, List<CdpEvent> sendOrder)
    {
        UniqueEvents = uniqueEvents;
        SendOrder = sendOrder;
        foreach (var evt in uniqueEvents)
        {
            if (!_byUser.TryGetValue(evt.UserId!, out var list))
            {
                _byUser[evt.UserId!] = list = [];
            }

            list.Add(evt);
        }
    }

    /// <summary>Every distinct event, once.</summary>
    public IReadOnlyList<CdpEvent> UniqueEvents { get; }

    /// <summary>The events in the order to send them: shuffled, with duplicates mixed in.</summary>
    public IReadOnlyList<CdpEvent> SendOrder { get; }

    public IEnumerable<string> UserIds => _byUser.Keys;

    /// <summary>
    /// Builds <paramref name="events"/> distinct events over <paramref name="customers"/> customers; a
    /// fraction <paramref name="duplicateShare"/> of them is sent a second time. Timestamps are random
    /// within a day and sending is shuffled, so many events arrive after newer ones.
    /// </summary>
    public static Workload Create(int customers, int events, double duplicateShare, int seed)
    {
        var random = new Random(seed);
        var run = Guid.NewGuid().ToString("N")[..8];
        var start = DateTimeOffset.UtcNow.AddDays(-2);
        var unique = new List<CdpEvent>(events);
        for (var n = 0; n < events; n++)
        {
            var customer = n < customers ? n : random.Next(customers);
            var userId = $"u-{run}-{customer}";
            var timestamp = start.AddSeconds(random.Next(0, 86_400)).AddMilliseconds(random.Next(1000));
            var messageId = $"m-{run}-{n}";
            var kind = n < customers ? 0 : random.Next(4);
            unique.Add(kind switch
            {
                0 => new CdpEvent
                {
                    Type = EventType.Identify,
                    UserId = userId,
                    MessageId = messageId,
                    Timestamp = timestamp,
                    Traits = new()
                    {
                        ["email"] = $"user{customer}-{run}@example.com",
                        ["plan"] = Plans[random.Next(Plans.Length)],
                        ["visits"] = random.Next(1000),
                    },
                },
                1 => new CdpEvent
                {
                    Type = EventType.Track,
                    UserId = userId,
                    MessageId = messageId,
                    Timestamp = timestamp,
                    Event = "Order Completed",
                    Properties = new() { ["revenue"] = random.Next(1, 100_000) / 100.0, ["currency"] = "EUR" },
                },
                2 => new CdpEvent
                {
                    Type = EventType.Track,
                    UserId = userId,
                    MessageId = messageId,
                    Timestamp = timestamp,
                    Event = "Product Viewed",
                    Properties = new() { ["sku"] = $"sku-{random.Next(50)}" },
                },
                _ => new CdpEvent
                {
                    Type = EventType.Page,
                    UserId = userId,
                    AnonymousId = $"a-{run}-{customer}",
                    MessageId = messageId,
                    Timestamp = timestamp,
                    Name = "Home",
                },
            });
        }

        var sendOrder = new List<CdpEvent>(unique);
        sendOrder.AddRange(unique.Where(_ => random.NextDouble() < duplicateShare));
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(sendOrder));
        return new Workload(unique, sendOrder);
    }

    /// <summary>Sends every event in batches, several batches at a time; returns the receipts.</summary>
    public async Task<List<EventReceipt>> SendAsync(ICdpClient client, int batchSize = 100, int parallel = 4)
    {
        var receipts = new List<EventReceipt>(SendOrder.Count);
        var batches = SendOrder.Chunk(batchSize).ToList();
        for (var i = 0; i < batches.Count; i += parallel)
        {
            var round = await Task.WhenAll(batches.Skip(i).Take(parallel).Select(b => client.SendBatchAsync(b)));
            foreach (var part in round)
            {
                receipts.AddRange(part);
            }
        }

        return receipts;
    }

    /// <summary>Checks the profile of every customer against what the events must produce.</summary>
    public async Task AssertProfilesAsync(ICdpClient client)
    {
        foreach (var (userId, events) in _byUser)
        {
            var profile = await client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
            Assert.NotNull(profile);
            AssertProfile(userId, events, profile);
        }
    }

    private static void AssertProfile(string userId, List<CdpEvent> events, CustomerProfile profile)
    {
        Assert.Equal(events.Count, profile.EventCount);
        Assert.Equal(events.Min(e => e.Timestamp), profile.FirstSeen);
        Assert.Equal(events.Max(e => e.Timestamp), profile.LastSeen);

        var expectedIds = events
            .SelectMany(e => new[]
            {
                $"user_id:{e.UserId}",
                e.AnonymousId is null ? null : $"anonymous_id:{e.AnonymousId}",
                e.Traits?.GetValueOrDefault("email")?.AsString() is { } email ? $"email:{email}" : null,
            })
            .OfType<string>()
            .Distinct()
            .Order(StringComparer.Ordinal);
        Assert.Equal(expectedIds, profile.Identifiers.Select(i => $"{i.Type}:{i.Value}").Order(StringComparer.Ordinal));

        var expectedAggregates = events
            .Where(e => e.Type is EventType.Track or EventType.Page)
            .GroupBy(e => e.Type == EventType.Page ? "Page Viewed" : e.Event!)
            .ToDictionary(g => g.Key, g => (
                Count: (long)g.Count(),
                Sum: g.Sum(e => e.Properties?.GetValueOrDefault("revenue") is { } r ? (decimal)r.AsNumber() : 0m),
                First: g.Min(e => e.Timestamp!.Value),
                Last: g.Max(e => e.Timestamp!.Value)));
        Assert.Equal(expectedAggregates.Keys.Order(), profile.Events.Keys.Order());
        foreach (var (name, expected) in expectedAggregates)
        {
            var actual = profile.Events[name];
            Assert.Equal(
                (expected.Count, expected.Sum, expected.First, expected.Last),
                (actual.Count, actual.Sum, actual.FirstTime, actual.LastTime));
        }

        // Each trait holds the value of the newest identify call; equal times fall to the larger messageId.
        var newest = events
            .Where(e => e.Type == EventType.Identify)
            .OrderBy(e => e.Timestamp)
            .ThenBy(e => e.MessageId, StringComparer.Ordinal)
            .Last();
        Assert.Equal(newest.Traits!.Count, profile.Traits.Count);
        foreach (var (name, value) in newest.Traits)
        {
            Assert.True(profile.Traits.TryGetValue(name, out var trait), $"{userId} lacks trait {name}");
            Assert.Equal(value, trait.Value);
            Assert.Equal(newest.MessageId, trait.MessageId);
            Assert.Equal(newest.Timestamp, trait.EventTime);
        }

        var recent = Math.Min(events.Count, 100);
        Assert.Equal(
            events.OrderBy(e => e.Timestamp).ThenBy(e => e.MessageId, StringComparer.Ordinal).TakeLast(recent).Select(e => e.MessageId),
            profile.RecentEvents.Select(r => r.MessageId));
    }
}
