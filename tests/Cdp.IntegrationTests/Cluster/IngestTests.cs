using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Cluster;

[Collection(MemoryClusterCollection.Name)]
public sealed class IngestTests(MemoryClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task FirstEvents_HundredConcurrentWithOneNewIdentifier_EndOnOneCustomer()
    {
        var email = TestIds.New("race") + "@example.com";

        var receipts = await Task.WhenAll(Enumerable.Range(0, 100).Select(i =>
            _client.TrackAsync(CustomerRef.By(IdentifierTypes.Email, email), "Signed In")));

        var customer = Assert.Single(receipts.Select(r => r.CustomerId).Distinct());
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.Email, email));
        Assert.NotNull(profile);
        Assert.Equal(customer, profile.CustomerId);
        Assert.Equal(100, profile.EventCount);
        Assert.Equal(100, profile.Events["Signed In"].Count);
        Assert.Equal($"email:{email}", Assert.Single(profile.Identifiers).ToExternalId().ToString());
    }

    [Fact]
    public async Task Track_SameMessageIdTwice_IsAppliedOnce()
    {
        var who = CustomerRef.User(TestIds.New("dup"));
        var options = new EventOptions { MessageId = TestIds.New("msg") };

        var first = await _client.TrackAsync(who, "Order Completed", new() { ["revenue"] = 10 }, options);
        var second = await _client.TrackAsync(who, "Order Completed", new() { ["revenue"] = 10 }, options);

        Assert.False(first.Duplicate);
        Assert.True(second.Duplicate);
        Assert.Equal(first.CustomerId, second.CustomerId);
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, who.UserId!));
        Assert.Equal(1, profile!.EventCount);
        Assert.Equal((1L, 10m), (profile.Events["Order Completed"].Count, profile.Events["Order Completed"].Sum));
    }

    [Fact]
    public async Task Duplicate_OlderThanWhatTheGrainRemembers_IsRecognizedByTheArchive()
    {
        var userId = TestIds.New("old-dup");
        var who = CustomerRef.User(userId);
        var firstId = TestIds.New("msg");
        var firstOptions = new EventOptions { MessageId = firstId, Timestamp = DateTimeOffset.UtcNow.AddHours(-3) };
        await _client.TrackAsync(who, "Product Viewed", options: firstOptions);
        await _client.SendBatchAsync(Enumerable.Range(0, 150).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Product Viewed",
            Timestamp = DateTimeOffset.UtcNow.AddMinutes(-i),
        }).ToList());
        var customerId = (await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId)))!.CustomerId;

        // A fresh activation remembers only its recent window (100 events); the first event is older.
        await fixture.Cluster.Cluster.DeactivateAsync(fixture.Grains.GetGrain<ICustomerGrain>(customerId));
        var again = await _client.TrackAsync(who, "Product Viewed", options: new EventOptions { MessageId = firstId });

        Assert.True(again.Duplicate);
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
        Assert.Equal(151, profile!.EventCount);
        Assert.Equal(151, profile.Events["Product Viewed"].Count);
    }

    [Fact]
    public async Task Identify_LateEvent_CountsButDoesNotOverwriteNewerTrait()
    {
        var who = CustomerRef.User(TestIds.New("late"));
        var now = DateTimeOffset.UtcNow;

        await _client.IdentifyAsync(who, new() { ["plan"] = "pro" }, new EventOptions { Timestamp = now.AddMinutes(-1) });
        await _client.IdentifyAsync(who, new() { ["plan"] = "free", ["city"] = "Oslo" }, new EventOptions { Timestamp = now.AddHours(-5) });

        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, who.UserId!));
        Assert.Equal(2, profile!.EventCount);
        Assert.Equal(CdpValue.From("pro"), profile.Traits["plan"].Value);
        Assert.Equal(now.AddMinutes(-1), profile.Traits["plan"].EventTime);
        Assert.Equal(CdpValue.From("Oslo"), profile.Traits["city"].Value);
        Assert.Equal("tests", profile.Traits["plan"].Source);
        Assert.Equal(now.AddHours(-5), profile.FirstSeen);
    }

    [Fact]
    public async Task Ingest_InvalidEventSentStraightToTheSilo_IsRefusedWithTypedErrorAndNothingChanges()
    {
        var userId = TestIds.New("bad");
        var valid = new CdpEvent { Type = EventType.Track, UserId = userId, Event = "Order Completed", MessageId = TestIds.New("m") };
        var invalid = new CdpEvent { Type = EventType.Track, UserId = userId, MessageId = TestIds.New("m") };

        var error = await Assert.ThrowsAsync<CdpValidationException>(() =>
            fixture.Grains.GetGrain<IIngestGrain>(0).IngestAsync([valid, invalid]));

        var only = Assert.Single(error.Errors);
        Assert.Equal(("event", CdpValidationRule.Required, (int?)1), (only.Field, only.Rule, only.EventIndex));
        Assert.Null(await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId)));
    }

    [Fact]
    public async Task Ingest_OversizedBatchSentStraightToTheSilo_IsRefusedWhole()
    {
        var userId = TestIds.New("big");
        var padding = new string('x', 30_000);
        var events = Enumerable.Range(0, 18).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Big",
            MessageId = TestIds.New("m"),
            Properties = new() { ["padding"] = padding },
        }).ToArray();

        var error = await Assert.ThrowsAsync<CdpValidationException>(() => fixture.Grains.GetGrain<IIngestGrain>(0).IngestAsync(events));

        Assert.Equal(("events", CdpValidationRule.TooLarge), (error.Errors[0].Field, error.Errors[0].Rule));
        Assert.Null(await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId)));
    }

    [Fact]
    public async Task GetEvents_TwentyFiveEvents_PagesInSequenceOrder()
    {
        var userId = TestIds.New("pages");
        var sent = Enumerable.Range(0, 25).Select(i => new CdpEvent
        {
            Type = EventType.Track,
            UserId = userId,
            Event = "Step",
            MessageId = $"{userId}-{i:D2}",
            Properties = new() { ["step"] = i },
        }).ToList();
        await _client.SendBatchAsync(sent);
        var id = new ExternalId(IdentifierTypes.UserId, userId);

        var first = await _client.GetEventsAsync(id, 0, 10);
        var second = await _client.GetEventsAsync(id, first.NextAfterSequence!.Value, 10);
        var third = await _client.GetEventsAsync(id, second.NextAfterSequence!.Value, 10);
        var all = await _client.ReadAllEventsAsync(id, pageSize: 7).ToListAsync();

        Assert.Equal((10, 10, 5), (first.Events.Count, second.Events.Count, third.Events.Count));
        Assert.Null(third.NextAfterSequence);
        var paged = first.Events.Concat(second.Events).Concat(third.Events).ToList();
        Assert.Equal(Enumerable.Range(1, 25).Select(i => (long)i), paged.Select(e => e.Sequence));
        Assert.Equal(sent.Select(e => e.MessageId), paged.Select(e => e.Event.MessageId));
        Assert.Equal(sent.Select(e => e.MessageId), all.Select(e => e.Event.MessageId));
        Assert.Equal(CdpValue.From(24), paged[^1].Event.Properties!["step"]);
        Assert.All(paged, e => Assert.NotNull(e.Event.ReceivedAt));
    }

    [Fact]
    public async Task GetEvents_UnknownIdentifier_IsEmpty()
    {
        var page = await _client.GetEventsAsync(new ExternalId(IdentifierTypes.UserId, TestIds.New("nobody")));

        Assert.Empty(page.Events);
        Assert.Null(page.NextAfterSequence);
    }

    [Fact]
    public async Task GetProfile_UnknownIdentifier_IsNull()
    {
        Assert.Null(await _client.GetProfileAsync(new ExternalId(IdentifierTypes.CrmId, TestIds.New("nobody"))));
    }

    [Fact]
    public async Task Identify_EmailTraitAndExtraIdentifiers_AreAttachedNormalized()
    {
        var userId = TestIds.New("attach");
        var email = $"{userId}@Example.COM";
        var crm = TestIds.New("CRM");

        var receipt = await _client.IdentifyAsync(
            CustomerRef.User(userId).And("CRM_ID", crm),
            new() { ["email"] = "  " + email + " ", ["first_name"] = "Ada" });

        var byEmail = await _client.GetProfileAsync(new ExternalId("email", email.ToLowerInvariant()));
        var byCrm = await _client.GetProfileAsync(new ExternalId("crm_id", crm));
        Assert.Equal(receipt.CustomerId, byEmail!.CustomerId);
        Assert.Equal(receipt.CustomerId, byCrm!.CustomerId);
        Assert.Equal(
            new[] { $"crm_id:{crm}", $"email:{email.ToLowerInvariant()}", $"user_id:{userId}" },
            byEmail.Identifiers.Select(i => $"{i.Type}:{i.Value}").Order(StringComparer.Ordinal));
        Assert.Equal(ProfileSection.Personal, byEmail.Traits["first_name"].Section);
    }

    [Fact]
    public async Task Event_IdentifiersOfTwoCustomers_MergesThemIntoTheEarlierOne()
    {
        var userId = TestIds.New("owner");
        var email = TestIds.New("other") + "@example.com";
        var byUser = await _client.TrackAsync(CustomerRef.User(userId), "Signed In");
        var byEmail = await _client.TrackAsync(CustomerRef.By(IdentifierTypes.Email, email), "Email Opened");

        var linking = await _client.TrackAsync(CustomerRef.User(userId).And(IdentifierTypes.Email, email), "Order Completed");

        Assert.NotEqual(byUser.CustomerId, byEmail.CustomerId);
        Assert.Equal(byUser.CustomerId, linking.CustomerId);
        var survivor = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.Email, email));
        Assert.Equal((byUser.CustomerId, 3L), (survivor!.CustomerId, survivor.EventCount));
        var merge = Assert.Single(survivor.Journal);
        Assert.Equal(
            (IdentityAction.Merged, byEmail.CustomerId, linking.MessageId, "merge"),
            (merge.Action, merge.OtherCustomerId, merge.MessageId, merge.Rule));
        Assert.Equal([new ExternalId(IdentifierTypes.Email, email)], merge.LinkedIdentifiers);

        var throughTombstone = await fixture.Grains.GetGrain<ICustomerGrain>(byEmail.CustomerId).GetProfileAsync();
        Assert.Equal((byUser.CustomerId, 3L), (throughTombstone!.CustomerId, throughTombstone.EventCount));
    }

    [Fact]
    public async Task Alias_KnownAnonymousId_AttachesTheUserIdToThatCustomer()
    {
        var anonymousId = TestIds.New("anon");
        var userId = TestIds.New("user");
        var page = await _client.PageAsync(CustomerRef.Anonymous(anonymousId), "Pricing");

        var alias = await _client.AliasAsync(userId, anonymousId);

        Assert.Equal(page.CustomerId, alias.CustomerId);
        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, userId));
        Assert.Equal(page.CustomerId, profile!.CustomerId);
        Assert.True(profile.HasIdentifier(new ExternalId(IdentifierTypes.AnonymousId, anonymousId)));
        Assert.Equal(1, profile.Events[Cdp.Grains.Domain.ProfileBuilder.PageViewed].Count);
    }

    [Fact]
    public async Task Group_And_Screen_AreRecordedOnTheProfile()
    {
        var who = CustomerRef.User(TestIds.New("group"));
        await _client.GroupAsync(who, "acme", new() { ["industry"] = "retail" });
        await _client.ScreenAsync(who, "Settings");

        var profile = await _client.GetProfileAsync(new ExternalId(IdentifierTypes.UserId, who.UserId!));

        Assert.Equal(CdpValue.From("retail"), profile!.Groups["acme"].Traits["industry"]);
        Assert.Equal(1, profile.Events[Cdp.Grains.Domain.ProfileBuilder.ScreenViewed].Count);
        Assert.Equal(ProfileSection.Engagement, profile.Events[Cdp.Grains.Domain.ProfileBuilder.ScreenViewed].Section);
    }

    [Fact]
    public async Task Workload_TenThousandEventsWithDuplicatesAndLateArrivals_ProducesExactProfiles()
    {
        var workload = Workload.Create(customers: 1_000, events: 10_000, duplicateShare: 0.1, seed: 2026);

        var receipts = await workload.SendAsync(_client);

        Assert.Equal(workload.SendOrder.Count, receipts.Count);
        Assert.Equal(workload.SendOrder.Count - workload.UniqueEvents.Count, receipts.Count(r => r.Duplicate));
        await workload.AssertProfilesAsync(_client);
    }
}
