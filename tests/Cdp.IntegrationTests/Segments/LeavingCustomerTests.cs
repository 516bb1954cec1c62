using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Segments;

/// <summary>
/// A customer that stops being one of its own, merged into another or erased, leaves every member list and the
/// customer index; a merged one also tells subscribers it left.
/// </summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class LeavingCustomerTests(SegmentClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task Merge_TheAbsorbedCustomerExitsItsSegmentsAndTheIndex_AndTheSurvivorStaysTheOnlyMember()
    {
        var segment = await GoldSegmentAsync();
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var visitor = new ExternalId(IdentifierTypes.AnonymousId, TestIds.New("visitor"));
        var account = new ExternalId(IdentifierTypes.UserId, TestIds.New("account"));

        // Two customers, both gold and announced; the earlier customer id survives a merge.
        var first = await GoldMemberAsync(visitor);
        var second = await GoldMemberAsync(account);
        Assert.Equal([first, second], (await inbox.NextAsync(2)).Select(m => m.CustomerId));
        var (survivor, absorbed) = string.CompareOrdinal(first, second) < 0 ? (first, second) : (second, first);
        Assert.Equal([survivor, absorbed], await MembersAsync(segment));

        // The visitor logs in: one event with both identifiers merges the two customers.
        var link = await _client.TrackAsync(CustomerRef.User(account.Value).And(visitor.Type, visitor.Value), "Signed In");
        Assert.Equal(survivor, link.CustomerId);

        var exit = await inbox.NextAsync();
        Assert.Equal((absorbed, SegmentChange.Exited), (exit.CustomerId, exit.Change));
        Assert.Equal([survivor], await MembersAsync(segment));
        Assert.Equal((true, false), (await IndexedAsync(survivor), await IndexedAsync(absorbed)));
        var memberships = (await _client.GetSegmentsAsync(account))!.Memberships;
        Assert.True(memberships.Single(m => m.DefinitionId == segment).Member);

        // When the merged customer leaves the segment, nobody is left in it.
        var after = await _client.IdentifyAsync(visitor, new() { [Level] = "silver" });
        var last = await inbox.NextAsync();
        Assert.Equal((survivor, SegmentChange.Exited, (string?)after.MessageId), (last.CustomerId, last.Change, last.MessageId));
        Assert.Empty(await MembersAsync(segment));
    }

    [Fact]
    public async Task Erasure_TakesTheCustomerOutOfItsMemberListsAndTheIndex()
    {
        var segment = await GoldSegmentAsync();
        var person = new ExternalId(IdentifierTypes.Email, $"{TestIds.New("erased")}@example.com");
        var other = new ExternalId(IdentifierTypes.Email, $"{TestIds.New("kept")}@example.com");
        var erased = await GoldMemberAsync(person);
        var kept = await GoldMemberAsync(other);
        Assert.Equal(new[] { erased, kept }.Order(StringComparer.Ordinal), await MembersAsync(segment));

        var result = await _client.EraseAsync(person, "privacy-officer");

        Assert.Equal((PrivacyRequestStatus.Completed, erased), (result.Status, result.CustomerId));
        Assert.Equal([kept], await MembersAsync(segment));
        Assert.Equal((false, true), (await IndexedAsync(erased), await IndexedAsync(kept)));
    }

    // A trait of this test class alone: backfills elsewhere in the collection's cluster must not find its customers.
    private const string Level = "leaving-test-level";

    private async Task<string> GoldSegmentAsync()
    {
        var segment = TestIds.New("gold");
        await _client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = $"""trait("{Level}") = "gold" """ });
        return segment;
    }

    private async Task<string> GoldMemberAsync(ExternalId who)
    {
        await _client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);
        return (await _client.IdentifyAsync(who, new() { [Level] = "gold" })).CustomerId;
    }

    /// <summary>The segment's members, in customer-id order.</summary>
    private async Task<List<string>> MembersAsync(string segment)
    {
        var members = new List<string>();
        string? cursor = null;
        do
        {
            var page = await _client.GetSegmentMembersAsync(segment, cursor);
            members.AddRange(page.CustomerIds);
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        // Pages go shard by shard, each shard in customer-id order.
        return [.. members.Order(StringComparer.Ordinal)];
    }

    private async Task<bool> IndexedAsync(string customerId)
    {
        var shard = fixture.Cluster.Grains.GetGrain<ICustomerIndexGrain>(CustomerIndex.ShardOf(customerId));
        string? cursor = null;
        string[] page;
        do
        {
            page = await shard.GetPageAsync(cursor, 1000);
            if (page.Contains(customerId))
            {
                return true;
            }

            cursor = page.LastOrDefault();
        }
        while (page.Length == 1000);

        return false;
    }
}
