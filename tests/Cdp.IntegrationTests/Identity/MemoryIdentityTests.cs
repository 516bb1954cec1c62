using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Identity;

/// <summary>A memory-storage cluster with the identity test rules, shared by the identity tests.</summary>
public sealed class IdentityClusterFixture : IAsyncLifetime
{
    private CdpTestCluster? _cluster;

    public CdpTestCluster Cluster => _cluster ?? throw new InvalidOperationException("The cluster has not started.");

    public async Task InitializeAsync() => _cluster = await CdpTestCluster.StartAsync(IdentityScenarios.Configure);

    public async Task DisposeAsync()
    {
        if (_cluster is not null)
        {
            await _cluster.DisposeAsync();
        }
    }
}

[CollectionDefinition(Name)]
public sealed class IdentityClusterCollection : ICollectionFixture<IdentityClusterFixture>
{
    public const string Name = "Identity cluster";
}

[Collection(IdentityClusterCollection.Name)]
public sealed class MemoryIdentityTests(IdentityClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Cluster.Client;

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public Task ChainedCustomers_LinkedConcurrentlyInRandomOrder_EndAsOneProfileWithEveryEventOnce(int seed) =>
        IdentityScenarios.ChainedCustomersMergeIntoOneAsync(fixture.Cluster, seed);

    [Fact]
    public Task SharedIdentifiers_BlockedOrOverTheLimit_KeepPeopleApart() =>
        IdentityScenarios.SharedIdentifiersKeepPeopleApartAsync(_client);

    [Fact]
    public Task Unmerge_OfALinkedPair_EqualsIngestWithoutTheLink() =>
        IdentityScenarios.UnmergeEqualsIngestWithoutTheLinkAsync(_client);
}

/// <summary>Explain, the over-merge guard and the rules through the SDK; these tests change the shared rules and restore them.</summary>
[Collection(IdentityClusterCollection.Name)]
public sealed class IdentityRulesTests(IdentityClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Cluster.Client;

    [Fact]
    public async Task Explain_OfAMergedIdentifier_NamesItsFirstEventAndTheMerge()
    {
        var tag = TestIds.New("explain");
        var ada = new ExternalId(IdentifierTypes.UserId, $"{tag}-ada");
        var crm = new ExternalId(IdentifierTypes.CrmId, $"{tag}-crm");
        var first = await _client.TrackAsync(ada, "Signed In");
        var second = await _client.TrackAsync(crm, "Ticket Opened");
        var link = await _client.TrackAsync(CustomerRef.User(ada.Value).And(crm.Type, crm.Value), "Support Chat");

        var explanation = await _client.ExplainAsync(crm);

        Assert.NotNull(explanation);
        Assert.Equal((crm, first.CustomerId), (explanation.Identifier, explanation.CustomerId));
        Assert.Collection(
            explanation.Steps,
            s => Assert.Equal(((IdentityAction?)null, second.MessageId, second.CustomerId), (s.Action, s.MessageId, s.CustomerId)),
            s => Assert.Equal(
                ((IdentityAction?)IdentityAction.Merged, link.MessageId, first.CustomerId, second.CustomerId),
                (s.Action, s.MessageId, s.CustomerId, s.OtherCustomerId)));
        Assert.Contains($"{crm} first arrived on a track event 'Ticket Opened'", explanation.Steps[0].Text, StringComparison.Ordinal);
        Assert.Contains($"because event {link.MessageId} carried {crm} of {second.CustomerId} and {ada} of {first.CustomerId}",
            explanation.Steps[1].Text, StringComparison.Ordinal);

        var own = await _client.ExplainAsync(ada);
        Assert.Equal(first.MessageId, Assert.Single(own!.Steps).MessageId);
        Assert.Null(await _client.ExplainAsync(new ExternalId(IdentifierTypes.CrmId, tag + "-nobody")));
    }

    [Fact]
    public async Task Merge_OverTheIdentifierGuard_IsRefusedAsSuspectedOverMerge()
    {
        var tag = TestIds.New("guard");
        ExternalId Device(int k) => new(IdentifierTypes.DeviceId, $"{tag}-d{k}");
        var original = await _client.GetIdentityRulesAsync();
        var strict = original.Clone();
        strict.MaxIdentifiers = 4;
        await _client.SetIdentityRulesAsync(strict);
        try
        {
            var a = await _client.SendAsync(
                new CdpEvent { Type = EventType.Track, Event = "Set Up", Identifiers = [Device(1), Device(2), Device(3)] });
            var b = await _client.SendAsync(
                new CdpEvent { Type = EventType.Track, Event = "Set Up", Identifiers = [Device(4), Device(5)] });

            var link = await _client.SendAsync(
                new CdpEvent { Type = EventType.Track, Event = "Paired", Identifiers = [Device(1), Device(4)] });

            Assert.Equal(a.CustomerId, link.CustomerId);
            var profileA = await _client.GetProfileAsync(Device(1));
            var profileB = await _client.GetProfileAsync(Device(4));
            Assert.Equal((a.CustomerId, b.CustomerId), (profileA!.CustomerId, profileB!.CustomerId));
            Assert.Equal((3, 2), (profileA.Identifiers.Count, profileB.Identifiers.Count));
            var refusedA = Assert.Single(profileA.Journal);
            var refusedB = Assert.Single(profileB.Journal);
            Assert.Equal(
                (IdentityAction.MergeRefused, "max-identifiers", b.CustomerId, link.MessageId),
                (refusedA.Action, refusedA.Rule, refusedA.OtherCustomerId, refusedA.MessageId));
            var setAside = Assert.Single(refusedA.LinkedIdentifiers);
            Assert.Equal((IdentifierTypes.DeviceId, '#'), (setAside.Type, setAside.Value[0]));
            Assert.DoesNotContain(Device(4).Value, refusedA.Detail, StringComparison.Ordinal);
            Assert.Equal(("max-identifiers", a.CustomerId), (refusedB.Rule, refusedB.OtherCustomerId));
            Assert.Contains(
                "would hold 5 identifiers, over the limit of 4 (suspected over-merge)", refusedA.Detail, StringComparison.Ordinal);
        }
        finally
        {
            await _client.SetIdentityRulesAsync(original);
        }
    }

    [Fact]
    public async Task Rules_SetThroughTheSdk_AreValidatedVersionedAndApplied()
    {
        var tag = TestIds.New("rules");
        var original = await _client.GetIdentityRulesAsync();
        var bad = original.Clone();
        bad.Types[IdentifierTypes.Email].Limit = 0;
        bad.Types[IdentifierTypes.Email].BlockedPatterns.Add("(a)\\1");

        var refused = await Assert.ThrowsAsync<CdpValidationException>(() => _client.SetIdentityRulesAsync(bad));
        Assert.Equal(
            [("types.email.limit", CdpValidationRule.OutOfRange), ("types.email.blockedPatterns[0]", CdpValidationRule.InvalidFormat)],
            refused.Errors.Select(e => (e.Field, e.Rule)));
        Assert.Equal(original.Version, (await _client.GetIdentityRulesAsync()).Version);

        var guests = original.Clone();
        guests.Types[IdentifierTypes.UserId].BlockedValues.Add("guest");
        guests.Types[IdentifierTypes.UserId].BlockedPatterns.Add("^test-");
        var stored = await _client.SetIdentityRulesAsync(guests);
        try
        {
            Assert.Equal(original.Version + 1, stored.Version);
            var receipt = await _client.TrackAsync(new CustomerRef { UserId = "Guest", AnonymousId = $"{tag}-anon" }, "Browsed");
            var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.AnonymousId, $"{tag}-anon"));
            Assert.Equal(receipt.CustomerId, profile!.CustomerId);
            Assert.Equal([$"anonymous_id:{tag}-anon"], profile.Identifiers.Select(i => i.ToExternalId().ToString()));
            Assert.Null(await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, "Guest")));
            await Assert.ThrowsAsync<CdpValidationException>(() => _client.TrackAsync(CustomerRef.User("test-42"), "Browsed"));
        }
        finally
        {
            await _client.SetIdentityRulesAsync(original);
        }
    }
}
