using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;

namespace Cdp.IntegrationTests.Segments;

/// <summary>Segments, triggers and computed traits on a cluster: catalog, evaluation, time, consent and delivery.</summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class SegmentTests(SegmentClusterFixture fixture)
{
    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task Catalog_CreateReadUpdateListDelete_AndRefusesBrokenDefinitionsNamingThePlace()
    {
        var id = TestIds.New("catalog");
        var created = await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = id, Name = "Pro", Purpose = "Email Marketing", Text = """trait("plan") = "pro" """,
        });
        var user = await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = id + "-user", Purpose = "analytics", Condition = new MemberCondition { SegmentId = id },
        });

        var stale = await Assert.ThrowsAsync<CdpValidationException>(() => _client.UpdateDefinitionAsync(created with { Version = 7 }));
        var mismatch = await Assert.ThrowsAsync<CdpValidationException>(
            () => _client.UpdateDefinitionAsync(created with { Text = """trait("plan") = "team" """ }));
        var updated = await _client.UpdateDefinitionAsync(created with { Text = """trait("plan") in ["pro", "team"]""", Condition = null });
        var badText = await Assert.ThrowsAsync<CdpValidationException>(() => _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = TestIds.New("bad"), Purpose = "analytics", Text = """count("Order Completed", 30d) >> 3""",
        }));
        var badPurpose = await Assert.ThrowsAsync<CdpValidationException>(() => _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = TestIds.New("bad"), Purpose = "telepathy", Text = """consent("analytics")""",
        }));
        var unknownMember = await Assert.ThrowsAsync<CdpValidationException>(() => _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = TestIds.New("bad"), Purpose = "analytics", Text = """member("nobody")""",
        }));
        var inUse = await Assert.ThrowsAsync<CdpValidationException>(() => _client.DeleteDefinitionAsync(id));
        var listed = await _client.ListDefinitionsAsync(DefinitionKind.Segment);

        Assert.Equal((1L, "email_marketing", new TraitCondition { Trait = "plan", Op = ValueOperator.Equal, Value = "pro" }),
            (created.Version, created.Purpose, created.Condition));
        Assert.Equal((CdpValidationRule.Conflict, "version"), (Assert.Single(stale.Errors).Rule, stale.Errors[0].Field));
        Assert.Equal(("text", CdpValidationRule.Conflict), (Assert.Single(mismatch.Errors).Field, mismatch.Errors[0].Rule));
        Assert.Equal(2, updated.Version);
        Assert.Equal(updated, await _client.GetDefinitionAsync(id));
        Assert.Equal(("text", "column 32: expected a number, found '>'."),
            (Assert.Single(badText.Errors).Field, badText.Errors[0].Message));
        Assert.Equal(("purpose", CdpValidationRule.NotFound), (Assert.Single(badPurpose.Errors).Field, badPurpose.Errors[0].Rule));
        Assert.Equal("member(\"nobody\") names no segment.", Assert.Single(unknownMember.Errors).Message);
        Assert.Equal($"'{id}' is used by {id}-user; change those first.", Assert.Single(inUse.Errors).Message);
        Assert.Contains(listed, d => d.Id == id);
        Assert.True(await _client.DeleteDefinitionAsync(id + "-user"));
        Assert.True(await _client.DeleteDefinitionAsync(id));
        Assert.False(await _client.DeleteDefinitionAsync(id));
        Assert.Null(await _client.GetDefinitionAsync(id));
    }

    [Fact]
    public async Task Window_MemberLeavesWhenTheWindowPasses_WithoutAFurtherEvent()
    {
        var segment = TestIds.New("viewed");
        await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = segment, Purpose = "analytics", Text = """count("Product Viewed", 30m) >= 1""",
            ExportIdentifiers = [IdentifierTypes.Email], ExportTraits = ["plan"],
        });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var who = new ExternalId(IdentifierTypes.Email, TestIds.New("ada") + "@example.com");
        var viewedAt = fixture.Clock.GetUtcNow();
        await _client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);
        await _client.IdentifyAsync(who, new() { ["plan"] = "pro" });

        var view = await _client.TrackAsync(who, "Product Viewed", options: new EventOptions { Timestamp = viewedAt });
        var entered = await inbox.NextAsync();
        fixture.Clock.Advance(TimeSpan.FromMinutes(29));
        var customerId = await fixture.ReevaluateAsync(who);
        var stillMember = (await _client.GetSegmentsAsync(who))!.Memberships.Single(m => m.DefinitionId == segment).Member;
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        await fixture.ReevaluateAsync(who);
        var exited = await inbox.NextAsync();

        Assert.Equal(
            (SegmentChange.Entered, customerId, segment, 1L, viewedAt, (string?)view.MessageId, 1),
            (entered.Change, entered.CustomerId, entered.DefinitionId, entered.DefinitionVersion, entered.EventTime, entered.MessageId,
                entered.SchemaVersion));
        Assert.Equal([who], entered.Identifiers);
        Assert.Equal(new Dictionary<string, CdpValue> { ["plan"] = "pro" }, entered.Traits);
        Assert.True(stillMember);
        Assert.Equal((SegmentChange.Exited, (string?)null, entered.Sequence + 1), (exited.Change, exited.MessageId, exited.Sequence));
        Assert.False((await _client.GetSegmentsAsync(who))!.Memberships.Single(m => m.DefinitionId == segment).Member);
    }

    [Fact]
    public async Task CartAbandonment_FiresWhenTheHourPasses_AndNotForACartThatWasOrdered()
    {
        var trigger = TestIds.New("abandoned");
        await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = trigger, Kind = DefinitionKind.Trigger, Purpose = "email_marketing",
            Text = """not_followed_by("Product Added", "Order Completed", 1h)""",
        });
        await using var inbox = await fixture.SubscribeAsync(trigger, DefinitionKind.Trigger);
        var abandoner = new ExternalId(IdentifierTypes.UserId, TestIds.New("abandoner"));
        var buyer = new ExternalId(IdentifierTypes.UserId, TestIds.New("buyer"));
        var late = new ExternalId(IdentifierTypes.UserId, TestIds.New("late"));
        var start = fixture.Clock.GetUtcNow();
        foreach (var who in new[] { abandoner, buyer, late })
        {
            await _client.SetConsentAsync(who, [new ConsentChange("email_marketing", ConsentStatus.Granted)]);
        }

        var added = await _client.TrackAsync(abandoner, "Product Added", options: new EventOptions { Timestamp = start });
        await _client.TrackAsync(buyer, "Product Added", options: new EventOptions { Timestamp = start });
        await _client.TrackAsync(buyer, "Order Completed", options: new EventOptions { Timestamp = start.AddMinutes(10) });
        fixture.Clock.Advance(TimeSpan.FromMinutes(59));
        await fixture.ReevaluateAsync(abandoner);
        await _client.TrackAsync(late, "Product Added", options: new EventOptions { Timestamp = fixture.Clock.GetUtcNow() });
        fixture.Clock.Advance(TimeSpan.FromMinutes(1));
        var abandonerId = await fixture.ReevaluateAsync(abandoner);
        await fixture.ReevaluateAsync(buyer);
        fixture.Clock.Advance(TimeSpan.FromHours(1));
        var lateId = await fixture.ReevaluateAsync(late);

        // Messages of one stream leave its queue in the order they were published, so the late cart's firing
        // arriving second shows the buyer (re-evaluated in between) produced none.
        var fired = await inbox.NextAsync(2);

        Assert.Equal(
            [
                (abandonerId, SegmentChange.Fired, start.AddHours(1), (string?)null),
                (lateId, SegmentChange.Fired, fixture.Clock.GetUtcNow(), null),
            ],
            fired.Select(m => (m.CustomerId, m.Change, m.EventTime, m.MessageId)));
        Assert.NotNull(added.MessageId);
    }

    [Fact]
    public async Task Delivery_OnlyForGrantedConsent_AndTheGrantAnnouncesAnExistingMember()
    {
        var segment = TestIds.New("gold");
        await _client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "advertising", Text = """trait("tier") = "gold" """ });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var silent = new ExternalId(IdentifierTypes.UserId, TestIds.New("silent"));
        var open = new ExternalId(IdentifierTypes.UserId, TestIds.New("open"));
        await _client.SetConsentAsync(open, [new ConsentChange("advertising", ConsentStatus.Granted)]);

        await _client.IdentifyAsync(silent, new() { ["tier"] = "gold" });
        await _client.IdentifyAsync(open, new() { ["tier"] = "gold" });
        var first = await inbox.NextAsync();
        var grant = await _client.SetConsentAsync(silent, [new ConsentChange("advertising", ConsentStatus.Granted)]);
        var second = await inbox.NextAsync();

        var openId = (await _client.GetProfileAsync(open))!.CustomerId;
        var silentId = (await _client.GetProfileAsync(silent))!.CustomerId;
        Assert.Equal((openId, SegmentChange.Entered), (first.CustomerId, first.Change));
        Assert.Equal(
            (silentId, SegmentChange.Entered, (string?)grant.MessageId), (second.CustomerId, second.Change, second.MessageId));
    }

    [Fact]
    public async Task Delivery_OneCustomersChangesArriveInOrder()
    {
        var segment = TestIds.New("tier");
        await _client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = """trait("tier") = "gold" """ });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("flipper"));
        await _client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);

        var sent = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var receipt = await _client.IdentifyAsync(who, new() { ["tier"] = i % 2 == 0 ? "gold" : "silver" });
            sent.Add(receipt.MessageId);
        }

        var received = await inbox.NextAsync(10);

        Assert.Equal(sent, received.Select(m => m.MessageId));
        Assert.Equal(
            Enumerable.Range(0, 10).Select(i => i % 2 == 0 ? SegmentChange.Entered : SegmentChange.Exited), received.Select(m => m.Change));
        Assert.Equal(received.Select(m => m.Sequence).Order(), received.Select(m => m.Sequence));
        Assert.Equal(10, received.Select(m => m.Sequence).Distinct().Count());
    }

    [Fact]
    public async Task NewDefinitions_AreBackfilledForExistingCustomers_MembersPage_AndComputedTraitsShow()
    {
        var customers = Enumerable.Range(0, 5).Select(i => new ExternalId(IdentifierTypes.UserId, TestIds.New($"shopper{i}"))).ToList();
        for (var i = 0; i < customers.Count; i++)
        {
            await _client.SetConsentAsync(customers[i], [new ConsentChange("analytics", ConsentStatus.Granted)]);
            for (var order = 0; order <= i; order++)
            {
                await _client.TrackAsync(customers[i], "Order Completed", new() { ["revenue"] = 100 });
            }
        }

        var segment = TestIds.New("repeat");
        var spent = TestIds.New("spent");
        await _client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = """count("Order Completed") >= 3""" });
        await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = spent, Name = "total_spent", Kind = DefinitionKind.ComputedTrait, Purpose = "analytics",
            Text = """sum("Order Completed", "revenue")""",
        });
        var ids = new List<string>();
        foreach (var customer in customers)
        {
            ids.Add(await fixture.ReevaluateAsync(customer));
        }

        var members = new List<string>();
        var pages = 0;
        string? cursor = null;
        do
        {
            var page = await _client.GetSegmentMembersAsync(segment, cursor, pageSize: 2);
            members.AddRange(page.CustomerIds);
            cursor = page.NextCursor;
            pages++;
        }
        while (cursor is not null);
        var last = (await _client.GetSegmentsAsync(customers[4]))!;

        Assert.Equal(ids.Skip(2).Order(StringComparer.Ordinal), members.Order(StringComparer.Ordinal));
        Assert.Equal(2, pages);
        Assert.True(last.Memberships.Single(m => m.DefinitionId == segment).Member);
        var total = last.ComputedTraits.Single(c => c.DefinitionId == spent);
        Assert.Equal(("total_spent", (CdpValue?)500), (total.Name, total.Value));
    }
}
