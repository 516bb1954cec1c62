using Cdp.Client;
using Cdp.Grains.Customers;
using Cdp.IntegrationTests.Infrastructure;
using Microsoft.Extensions.DependencyInjection;
using Orleans.TestingHost;

namespace Cdp.IntegrationTests.Segments;

/// <summary>
/// A deadline beyond the keep-alive horizon is kept by a reminder, which outlives the customer's activation: it is
/// registered, and when it fires the member leaves and the reminder is removed.
/// </summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class LongDeadlineTests(SegmentClusterFixture fixture)
{
    [Fact]
    public async Task TwoHourWindow_CustomerCollected_TheReminderWakesIt_TheMemberLeaves_AndTheReminderIsRemoved()
    {
        var client = fixture.Client;
        var segment = TestIds.New("viewed-2h");

        // An event name of its own: the other tests' definitions, with nearer deadlines, must not apply to it.
        var viewed = "Brochure Viewed " + segment;
        await client.CreateDefinitionAsync(
            new SegmentDefinition { Id = segment, Purpose = "analytics", Text = $"count(\"{viewed}\", 2h) >= 1" });
        await using var inbox = await fixture.SubscribeAsync(segment, DefinitionKind.Segment);
        var who = new ExternalId(IdentifierTypes.UserId, TestIds.New("idle"));
        await client.SetConsentAsync(who, [new ConsentChange("analytics", ConsentStatus.Granted)]);
        await client.TrackAsync(who, viewed, options: new EventOptions { Timestamp = fixture.Clock.GetUtcNow() });
        Assert.Equal(SegmentChange.Entered, (await inbox.NextAsync()).Change);

        var silo = (InProcessSiloHandle)fixture.Cluster.Cluster.Silos[0];
        var reminders = silo.ServiceProvider.GetRequiredService<IReminderTable>();
        var customerId = (await client.GetProfileAsync(who))!.CustomerId;
        var customer = fixture.Cluster.Grains.GetGrain<ICustomerGrain>(customerId);
        var grainId = customer.GetGrainId();
        Assert.Equal([CustomerGrain.DeadlineReminder], await RemindersOfAsync(reminders, grainId));

        // The customer goes idle and is collected; two hours pass; the reminder service calls it back (here, the test does).
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
