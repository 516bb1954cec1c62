using Cdp.Client;
using Cdp.Grains.Identity;
using Cdp.Grains.Ingest;
using Cdp.Grains.Privacy;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Options;
using Orleans.Configuration;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Identity;

/// <summary>
/// The silo's remembered routes: an event for a known customer skips the identity lookups, and a route that went
/// stale (planted here as another silo would still hold it) is handed back by the customer grain and resolved in full.
/// </summary>
[Collection(IdentityClusterCollection.Name)]
public sealed class RouteCacheTests(IdentityClusterFixture fixture)
{
    private ICdpClient Client => fixture.Cluster.Client;

    private IServiceProvider Silo => ((InProcessSiloHandle)fixture.Cluster.Cluster.Silos[0]).ServiceProvider;

    private RouteCache Routes => Silo.GetRequiredService<RouteCache>();

    [Fact]
    public void IdentityGrains_AreCollectedAfterTheirOwnIdleTime_NotTheDefaultOne()
    {
        var collection = Silo.GetRequiredService<IOptions<GrainCollectionOptions>>().Value;

        Assert.Equal(TimeSpan.FromMinutes(2), collection.ClassSpecificCollectionAge[typeof(IdentityGrain).FullName!]);
        Assert.Equal(TimeSpan.FromMinutes(2), collection.ClassSpecificCollectionAge[typeof(SuppressionGrain).FullName!]);
        Assert.NotEqual(TimeSpan.FromMinutes(2), collection.CollectionAge);
    }

    [Fact]
    public async Task KnownCustomer_NextEvent_TakesTheRememberedRoute_AndLandsOnItsProfile()
    {
        var who = CustomerRef.User(TestIds.New("route")).And(IdentifierTypes.AnonymousId, TestIds.New("anon"));
        var first = await Client.TrackAsync(who, "Signed In");
        var before = Routes.Totals;

        var second = await Client.TrackAsync(who, "Product Viewed");

        Assert.Equal((first.CustomerId, false), (second.CustomerId, second.Duplicate));
        Assert.Equal((1L, 0L), (Routes.Totals.Taken - before.Taken, Routes.Totals.Stale - before.Stale));
        var profile = await Client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, who.UserId!));
        Assert.Equal((first.CustomerId, 2L), (profile!.CustomerId, profile.EventCount));
    }

    [Fact]
    public async Task RouteToACustomerThatNeverHeldTheIdentifier_IsHandedBack_AndTheEventStartsItsOwnProfile()
    {
        var owner = new ExternalId(IdentifierTypes.UserId, TestIds.New("owner"));
        var stranger = new ExternalId(IdentifierTypes.UserId, TestIds.New("stranger"));
        var owned = await Client.TrackAsync(owner, "Signed In");
        Routes.Remember([stranger], owned.CustomerId);
        var before = Routes.Totals;

        var receipt = await Client.TrackAsync(stranger, "Signed In");

        Assert.NotEqual(owned.CustomerId, receipt.CustomerId);
        Assert.Equal((1L, 1L), (Routes.Totals.Taken - before.Taken, Routes.Totals.Stale - before.Stale));
        var ownerProfile = await Client.GetProfileAsync(owner);
        Assert.Equal((1L, false), (ownerProfile!.EventCount, ownerProfile.HasIdentifier(stranger)));
        var strangerProfile = await Client.GetProfileAsync(stranger);
        Assert.Equal((receipt.CustomerId, 1L), (strangerProfile!.CustomerId, strangerProfile.EventCount));
        Assert.Equal(receipt.CustomerId, Routes.Find([stranger]));
    }

    [Fact]
    public async Task RouteToAMergedAwayCustomer_FollowsItToTheSurvivor()
    {
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("merge"));
        var email = new ExternalId(IdentifierTypes.Email, $"{TestIds.New("merge")}@example.com");
        var survivor = await Client.TrackAsync(user, "Signed In");
        var absorbed = await Client.TrackAsync(email, "Newsletter Opened");
        var merged = await Client.IdentifyAsync(CustomerRef.User(user.Value).And(email.Type, email.Value));
        Assert.Equal(survivor.CustomerId, merged.CustomerId);
        Routes.Remember([email], absorbed.CustomerId);
        var before = Routes.Totals;

        var receipt = await Client.TrackAsync(email, "Product Viewed");

        Assert.Equal(survivor.CustomerId, receipt.CustomerId);
        Assert.Equal(1L, Routes.Totals.Taken - before.Taken);
        var profile = await Client.GetProfileAsync(email);
        Assert.Equal((survivor.CustomerId, 4L), (profile!.CustomerId, profile.EventCount));
        Assert.Equal(survivor.CustomerId, Routes.Find([email]));
    }

    [Fact]
    public async Task RouteToTheSideAnUnmergeMovedTheIdentifierFrom_LandsOnTheOtherSide()
    {
        var ada = new ExternalId(IdentifierTypes.UserId, TestIds.New("ada"));
        var bob = new ExternalId(IdentifierTypes.CrmId, TestIds.New("bob"));
        var sideA = await Client.TrackAsync(ada, "Signed In");
        await Client.TrackAsync(bob, "Ticket Opened");
        await Client.IdentifyAsync(CustomerRef.User(ada.Value).And(bob.Type, bob.Value));
        var merge = (await Client.GetProfileAsync(bob))!.Journal.Single(e => e.Action == IdentityAction.Merged);
        var unmerge = await Client.UnmergeAsync(bob, merge.EntryId);
        Routes.Remember([bob], sideA.CustomerId);

        var receipt = await Client.TrackAsync(bob, "Ticket Closed");

        Assert.Equal(unmerge.OtherCustomerId, receipt.CustomerId);
        var sideAProfile = await Client.GetProfileAsync(ada);
        Assert.False(sideAProfile!.HasIdentifier(bob));
        Assert.DoesNotContain(sideAProfile.RecentEvents, e => e.Name == "Ticket Closed");
        var sideB = await Client.GetProfileAsync(bob);
        Assert.Equal(unmerge.OtherCustomerId, sideB!.CustomerId);
        Assert.Contains(sideB.RecentEvents, e => e.Name == "Ticket Closed");
        Assert.Equal(unmerge.OtherCustomerId, Routes.Find([bob]));
    }

    [Fact]
    public async Task RouteToAnErasedCustomer_IsHandedBack_AndTheEventIsSuppressed_NotApplied()
    {
        var user = new ExternalId(IdentifierTypes.UserId, TestIds.New("erased"));
        var created = await Client.IdentifyAsync(CustomerRef.User(user.Value), new() { ["name"] = "Erin" });
        await Client.TrackAsync(user, "Signed In");
        var erased = await Client.EraseAsync(user, "privacy-officer@example.com");
        Assert.Equal((PrivacyRequestStatus.Completed, created.CustomerId), (erased.Status, erased.CustomerId));
        Routes.Remember([user], created.CustomerId);
        var before = Routes.Totals;

        var receipt = await Client.TrackAsync(user, "Signed In Again");

        Assert.True(receipt.Suppressed);
        Assert.Equal((1L, 1L), (Routes.Totals.Taken - before.Taken, Routes.Totals.Stale - before.Stale));
        Assert.Null(await Client.GetProfileAsync(user));
        var page = await fixture.Cluster.Grains.GetGrain<ICustomerGrain>(created.CustomerId).GetEventsAsync(0, 10);
        Assert.Empty(page.Events);
        Assert.Null(Routes.Find([user]));
    }
}
