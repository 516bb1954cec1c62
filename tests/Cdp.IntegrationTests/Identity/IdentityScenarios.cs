using System.Globalization;
using System.Text;
using Cdp.Client;
using Cdp.Grains.Hosting;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Identity;

/// <summary>
/// Identity resolution scenarios, run on memory storage and on Azurite alike. Each one uses identifiers of
/// its own, so scenarios can share a cluster.
/// </summary>
public static class IdentityScenarios
{
    private static readonly DateTimeOffset StoryStart = new(2026, 11, 2, 9, 0, 0, TimeSpan.Zero);

    /// <summary>The rules of the identity test clusters: device ids may be many on one profile, as in a household.</summary>
    public static void Configure(CdpSiloOptions options) =>
        options.Identity.Rules.Types[IdentifierTypes.DeviceId] = new IdentifierTypeRule { Priority = 2, Limit = 100 };

    /// <summary>
    /// <paramref name="people"/> customers, one device each, then linking events that chain every device to
    /// the next, sent concurrently in shuffled order from several senders together with more traffic and
    /// retries. Exactly one customer must remain, holding every event once.
    /// </summary>
    public static async Task ChainedCustomersMergeIntoOneAsync(CdpTestCluster cluster, int seed, int people = 50)
    {
        var client = cluster.Client;
        var tag = TestIds.New("chain");
        ExternalId Device(int k) => new(IdentifierTypes.DeviceId, $"{tag}-d{k}");
        CdpEvent Track(string name, string messageId, int minute, params ExternalId[] ids) => new()
        {
            Type = EventType.Track,
            Event = name,
            Identifiers = ids,
            MessageId = messageId,
            Timestamp = StoryStart.AddMinutes(minute),
            Properties = new() { ["revenue"] = 1 },
        };

        var opening = new List<CdpEvent>();
        for (var k = 0; k < people; k++)
        {
            for (var j = 0; j < 3; j++)
            {
                opening.Add(Track("App Opened", $"{tag}-open-{k}-{j}", k + j, Device(k)));
            }
        }

        var openingReceipts = await SendAsync(client, opening, senders: 4);
        var customers = openingReceipts.Select(r => r.CustomerId).Distinct().ToList();
        Assert.Equal(people, customers.Count);
        var earliest = customers.Min(StringComparer.Ordinal);

        var random = new Random(seed);
        var racing = new List<CdpEvent>();
        for (var k = 0; k + 1 < people; k++)
        {
            racing.Add(Track("Devices Linked", $"{tag}-link-{k}", 100 + k, Device(k), Device(k + 1)));
        }

        for (var k = 0; k < people; k++)
        {
            racing.Add(Track("Product Viewed", $"{tag}-view-{k}-0", 200 + k, Device(k)));
            racing.Add(Track("Product Viewed", $"{tag}-view-{k}-1", 300 + k, Device(k)));
        }

        var unique = racing.Count;
        racing.AddRange(racing.OrderBy(_ => random.Next()).Take(racing.Count / 5).ToList());
        random.Shuffle(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(racing));
        var receipts = await SendAsync(client, racing, senders: 4);
        Assert.Equal(racing.Count - unique, receipts.Count(r => r.Duplicate));

        var profiles = await Task.WhenAll(Enumerable.Range(0, people).Select(k => client.GetProfileAsync(Device(k))));
        var profile = profiles[0]!;
        Assert.Equal([earliest], profiles.Select(p => p!.CustomerId).Distinct());
        var total = opening.Count + unique;
        Assert.Equal(total, profile.EventCount);
        Assert.Equal(total, profile.Events.Values.Sum(e => e.Sum));
        Assert.Equal(
            (people * 3L, people - 1L, people * 2L),
            (profile.Events["App Opened"].Count, profile.Events["Devices Linked"].Count, profile.Events["Product Viewed"].Count));
        Assert.Equal(people, profile.Identifiers.Count);
        Assert.Equal(people - 1, profile.Absorbed.Count);
        Assert.Equal(people - 1, profile.Journal.Count(e => e.Action == IdentityAction.Merged));

        var archived = new List<string>();
        await foreach (var evt in client.ReadAllEventsAsync(Device(people - 1)))
        {
            archived.Add(evt.Event.MessageId!);
        }

        Assert.Equal(total, archived.Count);
        Assert.Equal(total, archived.Distinct().Count());

        // Every customer there was, merged away or not, answers with the one profile.
        foreach (var customer in customers)
        {
            var forwarded = await cluster.Grains.GetGrain<ICustomerGrain>(customer).GetProfileAsync();
            Assert.Equal((earliest, (long)total), (forwarded!.CustomerId, forwarded.EventCount));
        }
    }

    /// <summary>
    /// Many people behind one shared identifier stay apart: a blocked anonymous id is never an identifier,
    /// and a shared kiosk id would give one profile two user ids, so it is demoted every time.
    /// </summary>
    public static async Task SharedIdentifiersKeepPeopleApartAsync(ICdpClient client, int people = 20)
    {
        var tag = TestIds.New("shared");
        var kiosk = new ExternalId(IdentifierTypes.AnonymousId, $"{tag}-kiosk");
        var blocked = new List<EventReceipt>();
        var shared = new List<EventReceipt>();
        for (var i = 0; i < people; i++)
        {
            blocked.Add(await client.TrackAsync(
                new CustomerRef { UserId = $"{tag}-b{i}", AnonymousId = i % 2 == 0 ? "undefined" : "00000000-0000-0000-0000-000000000000" },
                "Signed In"));
            shared.Add(await client.TrackAsync(new CustomerRef { UserId = $"{tag}-k{i}", AnonymousId = kiosk.Value }, "Signed In"));
        }

        Assert.Equal(people, blocked.Select(r => r.CustomerId).Distinct().Count());
        Assert.Null(await client.GetProfileAsync(new ExternalId(IdentifierTypes.AnonymousId, "undefined")));
        Assert.Equal(people, shared.Select(r => r.CustomerId).Distinct().Count());

        var first = await client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, $"{tag}-k0"));
        Assert.Equal(first!.CustomerId, (await client.GetProfileAsync(kiosk))!.CustomerId);
        var demotion = Assert.Single(first.Journal);
        Assert.Equal(
            (IdentityAction.IdentifierDemoted, "limit:user_id", people - 1L),
            (demotion.Action, demotion.Rule, demotion.Count));
        Assert.Equal([kiosk], demotion.LinkedIdentifiers);

        for (var i = 1; i < people; i++)
        {
            var other = await client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, $"{tag}-k{i}"));
            Assert.Equal((1L, 1), (other!.EventCount, other.Identifiers.Count));
        }

        var refused = await Assert.ThrowsAsync<CdpValidationException>(() =>
            client.TrackAsync(new CustomerRef { UserId = "null", AnonymousId = "anonymous" }, "Signed In"));
        Assert.Equal(CdpValidationRule.BlockedIdentifier, Assert.Single(refused.Errors).Rule);
    }

    /// <summary>
    /// Two people joined by one event, then unmerged: both profiles must equal what ingesting the same
    /// events without the link produces (compared whole, except ids and arrival times).
    /// </summary>
    public static async Task UnmergeEqualsIngestWithoutTheLinkAsync(ICdpClient client)
    {
        var linked = TestIds.New("linked");
        var apart = TestIds.New("apart");
        var ada = new ExternalId(IdentifierTypes.UserId, $"{linked}-ada");
        var bob = new ExternalId(IdentifierTypes.CrmId, $"{linked}-bob");

        foreach (var evt in Story(linked, link: true))
        {
            await client.SendAsync(evt);
        }

        var merged = await client.GetProfileAsync(bob);
        Assert.Equal((await client.GetProfileAsync(ada))!.CustomerId, merged!.CustomerId);
        Assert.Equal(8, merged.EventCount);
        var merge = Assert.Single(merged.Journal, e => e.Action == IdentityAction.Merged);
        Assert.Equal($"{linked}-5", merge.MessageId);

        var unmerge = await client.UnmergeAsync(bob, merge.EntryId);

        foreach (var evt in Story(apart, link: false))
        {
            await client.SendAsync(evt);
        }

        var sideA = await client.GetProfileAsync(ada);
        var sideB = await client.GetProfileAsync(bob);
        Assert.Equal((merged.CustomerId, unmerge.OtherCustomerId), (sideA!.CustomerId, sideB!.CustomerId));
        var freshA = await client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, $"{apart}-ada"));
        var freshB = await client.GetProfileAsync(new ExternalId(IdentifierTypes.CrmId, $"{apart}-bob"));
        Assert.Equal(Describe(freshA!, apart), Describe(sideA, linked));
        Assert.Equal(Describe(freshB!, apart), Describe(sideB, linked));

        var undone = sideA.Journal.Single(e => e.EntryId == merge.EntryId);
        Assert.Equal(unmerge.EntryId, undone.UndoneBy);
        Assert.Equal(IdentityAction.SplitFrom, Assert.Single(sideB.Journal).Action);
        var archivedB = new List<string>();
        await foreach (var evt in client.ReadAllEventsAsync(bob))
        {
            archivedB.Add(evt.Event.MessageId!);
        }

        Assert.Equal([$"{linked}-3", $"{linked}-4", $"{linked}-6"], archivedB);

        // The two stay apart: the same link again is refused, and the event lands on its top identifier's side.
        var again = await client.TrackAsync(CustomerRef.User(ada.Value).And(bob.Type, bob.Value), "Linked Again");
        Assert.Equal(sideA.CustomerId, again.CustomerId);
        var afterA = await client.GetProfileAsync(ada);
        var refusal = Assert.Single(afterA!.Journal, e => e.Action == IdentityAction.MergeRefused);
        Assert.Equal(("kept-apart", sideB.CustomerId), (refusal.Rule, refusal.OtherCustomerId));
        Assert.Equal(sideB.EventCount, (await client.GetProfileAsync(bob))!.EventCount);
    }

    /// <summary>Sends events one call each from several concurrent senders.</summary>
    public static async Task<List<EventReceipt>> SendAsync(ICdpClient client, IReadOnlyList<CdpEvent> events, int senders)
    {
        var receipts = new EventReceipt[events.Count];
        var next = -1;
        await Task.WhenAll(Enumerable.Range(0, senders).Select(_ => Task.Run(async () =>
        {
            int i;
            while ((i = Interlocked.Increment(ref next)) < events.Count)
            {
                receipts[i] = await client.SendAsync(events[i]);
            }
        })));

        return [.. receipts];
    }

    // Ada (a user id) and Bob (a CRM id) each act; event 5 links them when link is true; then both act again.
    private static List<CdpEvent> Story(string tag, bool link)
    {
        var ada = $"{tag}-ada";
        ExternalId[] bob = [new(IdentifierTypes.CrmId, $"{tag}-bob")];
        CdpEvent At(int n, CdpEvent evt) => evt with { MessageId = $"{tag}-{n}", Timestamp = StoryStart.AddMinutes(n), Source = "story" };
        return
        [
            At(1, new() { Type = EventType.Identify, UserId = ada, Traits = new() { ["first_name"] = "Ada", ["plan"] = "free" } }),
            At(2, new() { Type = EventType.Track, UserId = ada, Event = "Order Completed", Properties = new() { ["revenue"] = 10 } }),
            At(3, new() { Type = EventType.Identify, Identifiers = bob, Traits = new() { ["first_name"] = "Bob", ["city"] = "Oslo" } }),
            At(4, new() { Type = EventType.Track, Identifiers = bob, Event = "Ticket Opened" }),
            At(5, new() { Type = EventType.Track, UserId = ada, Identifiers = link ? bob : null, Event = "Support Chat" }),
            At(6, new() { Type = EventType.Track, Identifiers = bob, Event = "Ticket Closed" }),
            At(7, new() { Type = EventType.Identify, UserId = ada, Traits = new() { ["plan"] = "pro" } }),
            At(8, new() { Type = EventType.Page, UserId = ada, Name = "Pricing" }),
        ];
    }

    // Everything a profile holds about the person, with the scenario tag taken out of ids and messageIds.
    private static string Describe(CustomerProfile profile, string tag)
    {
        string T(string? text) => (text ?? "-").Replace(tag, "TAG", StringComparison.Ordinal);
        string D(DateTimeOffset? time) => time?.ToString("O", CultureInfo.InvariantCulture) ?? "-";
        var text = new StringBuilder();
        text.AppendLine(CultureInfo.InvariantCulture, $"seen {D(profile.FirstSeen)} .. {D(profile.LastSeen)}, {profile.EventCount} events");
        foreach (var id in profile.Identifiers.OrderBy(i => i.Type, StringComparer.Ordinal).ThenBy(i => i.Value, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"id {T(id.Type + ":" + id.Value)} {D(id.FirstSeen)} {id.Source} {T(id.MessageId)}");
        }

        foreach (var (name, trait) in profile.Traits.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"trait {name}={trait.Value} {trait.Source} {D(trait.EventTime)} {T(trait.MessageId)} {trait.Section}");
        }

        foreach (var aggregate in profile.Events.Values.OrderBy(e => e.Name, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"events {aggregate.Name} {aggregate.Count} {aggregate.Sum} "
                    + $"{D(aggregate.FirstTime)} {D(aggregate.LastTime)} {aggregate.Section}");
        }

        foreach (var recent in profile.RecentEvents)
        {
            text.AppendLine(CultureInfo.InvariantCulture,
                $"recent {T(recent.MessageId)} {recent.Type} {recent.Name} {D(recent.EventTime)} {recent.Section} {recent.Source}");
        }

        foreach (var group in profile.Groups.Values.OrderBy(g => g.GroupId, StringComparer.Ordinal))
        {
            text.AppendLine(CultureInfo.InvariantCulture, $"group {T(group.GroupId)} {D(group.EventTime)} {T(group.MessageId)}");
        }

        return text.ToString();
    }
}
