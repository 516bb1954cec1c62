using System.Diagnostics;
using Cdp.Client;
using Cdp.IntegrationTests.Infrastructure;
using Xunit.Abstractions;

namespace Cdp.IntegrationTests.Segments;

/// <summary>A definition created after the customers exist reaches all of them through the customer index.</summary>
[Collection(SegmentClusterCollection.Name)]
public sealed class BackfillTests(SegmentClusterFixture fixture, ITestOutputHelper output)
{
    private const int Customers = 10_000;
    private const int BatchSize = 500;

    private static readonly TimeSpan Deadline = TimeSpan.FromSeconds(60);

    private readonly ICdpClient _client = fixture.Client;

    [Fact]
    public async Task Backfill_OfTenThousandCustomers_VisitsEveryOne_WithProgress_AndListsTheMembers()
    {
        var run = TestIds.New("backfill");
        var clock = Stopwatch.StartNew();
        for (var start = 0; start < Customers; start += BatchSize)
        {
            var batch = Enumerable.Range(start, BatchSize).Select(i => new CdpEvent
            {
                Type = EventType.Identify,
                UserId = $"{run}-{i}",
                Traits = new() { ["tier"] = i % 2 == 0 ? "gold" : "silver" },
                Context = new()
                {
                    ["consent"] = CdpValue.Object(new() { ["categoryPreferences"] = CdpValue.Object(new() { ["analytics"] = true }) }),
                },
            }).ToList();
            await _client.SendBatchAsync(batch);
        }

        var ingested = clock.Elapsed;
        var segment = TestIds.New("gold");
        await _client.CreateDefinitionAsync(new SegmentDefinition
        {
            Id = segment, Purpose = "analytics", Text = """trait("tier") = "gold" """, AnnounceExisting = false,
        });

        var started = await _client.StartBackfillAsync(segment);
        var progress = started;
        var seen = new List<int>();
        while (!progress.Done && clock.Elapsed < ingested + Deadline)
        {
            await Task.Delay(100);
            progress = (await _client.GetBackfillProgressAsync(segment))!;
            seen.Add(progress.Visited);
        }

        var members = 0;
        string? cursor = null;
        do
        {
            var page = await _client.GetSegmentMembersAsync(segment, cursor, pageSize: 1000);
            members += page.CustomerIds.Length;
            cursor = page.NextCursor;
        }
        while (cursor is not null);

        output.WriteLine($"ingested {Customers} customers in {ingested.TotalSeconds:0.0} s; backfill of {progress.Total} customers " +
            $"took {(progress.FinishedAt - progress.StartedAt)?.TotalSeconds:0.0} s");
        Assert.True(progress.Done, $"the backfill did not finish within {Deadline.TotalSeconds:0} s: {progress}");
        Assert.InRange(started.Total, Customers, Customers + 1000);
        Assert.Equal((started.Total, started.Total, 0), (progress.Total, progress.Visited, progress.Failed));
        Assert.Equal(seen.Order(), seen);
        Assert.Equal(Customers / 2, members);
    }
}
