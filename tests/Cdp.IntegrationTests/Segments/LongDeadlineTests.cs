using Cdp.Client;
using Cdp.Grains.Customers;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Segments;

/// <summary>A deadline beyond the keep-alive horizon is kept by a reminder, which outlives the customer's activation.</summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class LongDeadlineTests(SegmentClusterFixture fixture)
{
    [Fact]
    public async Task TwoHourWindow_CustomerDeactivated_TheReminderWakesItAndTheMemberLeaves()
    {
        var client = fixture.Client;
        var segment = TestIds.New("viewed-2h");
        await client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = """count("Product Viewed", 2h) >= 1""" });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("idle"));
        await client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);
        await client.TrackAsync(who, "Product Viewed", options: new EventOptions { Timestamp = fixture.Clock.GetUtcNow() });
        Assert.Equal(SegmentChange.Entered, (await inbox.NextAsync()).Change);

        var silo = (InProcessSiloHandle)fixture.Cluster.Cluster.Silos[0];
        var reminders = silo.ServiceProvider.GetRequiredService<IReminderTable>();
        var customerId = (await client.GetProfileAsync(who))!.CustomerId;
        var customer = fixture.Cluster.Grains.GetGrain<ICustomerGrain>(customerId);
        var grainId = customer.GetGrainId();
        Assert.Equal([CustomerGrain.DeadlineReminder], await RemindersOfAsync(reminders, grainId));

        // The customer goes idle and is collected; two hours pass; the reminder service calls it back.
        await fixture.Cluster.Grains.GetGrain<IManagementGrain>(0).ForceActivationCollection(TimeSpan.Zero);
        fixture.Clock.Advance(TimeSpan.FromHours(2) + TimeSpan.FromMinutes(1));
        await customer.AsReference<IRemindable>().ReceiveReminder(CustomerGrain.DeadlineReminder, default);

        Assert.Equal(SegmentChange.Exited, (await inbox.NextAsync()).Change);
        Assert.False((await client.GetSegmentsAsync(who))!.Memberships.Single(m => m.DefinitionId == segment).Member);
        Assert.Empty(await RemindersOfAsync(reminders, grainId));
    }

    private static async Task<List<string>> RemindersOfAsync(IReminderTable reminders, GrainId grainId)
    {
        var all = await reminders.ReadRows(0, uint.MaxValue);
        return [.. all.Reminders.Where(r => r.GrainId == grainId).Select(r => r.ReminderName)];
    }
}
