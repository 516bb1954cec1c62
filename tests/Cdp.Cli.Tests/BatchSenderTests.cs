using System.Runtime.CompilerServices;
using Cdp.Cli.Import;
using Cdp.Client;

namespace Cdp.Cli.Tests;

/// <summary>
/// A client whose <see cref="SendBatchAsync"/> runs a given function; look-ups find nobody. For the paths a healthy
/// cluster never takes: failed calls and refused events.
/// </summary>
internal sealed class RefusingClient(Func<IReadOnlyList<CdpEvent>, int, IReadOnlyList<EventReceipt>>? send = null) : ICdpClient
{
    private int _calls;

    public int Calls => _calls;

    public Task<IReadOnlyList<EventReceipt>> SendBatchAsync(IReadOnlyList<CdpEvent> events, CancellationToken cancellationToken = default)
    {
        var call = Interlocked.Increment(ref _calls);
        return send is null
            ? throw new InvalidOperationException("The test client sends nothing.")
            : Task.FromResult(send(events, call));
    }

    public Task<CustomerProfile?> GetProfileAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        Task.FromResult<CustomerProfile?>(null);

    public Task<EventPage> GetEventsAsync(
        ExternalId id, long afterSequence = 0, int pageSize = 100, CancellationToken cancellationToken = default) =>
        Task.FromResult(EventPage.Empty);

    public async IAsyncEnumerable<ArchivedEvent> ReadAllEventsAsync(
        ExternalId id, int pageSize = 500, [EnumeratorCancellation] CancellationToken cancellationToken = default)
    {
        await Task.CompletedTask;
        yield break;
    }

    public Task<EventReceipt> SendAsync(CdpEvent evt, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> IdentifyAsync(CustomerRef who, Dictionary<string, CdpValue>? traits = null, EventOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> TrackAsync(CustomerRef who, string eventName, Dictionary<string, CdpValue>? properties = null,
        EventOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> PageAsync(CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null,
        EventOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> ScreenAsync(CustomerRef who, string? name = null, Dictionary<string, CdpValue>? properties = null,
        EventOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> GroupAsync(CustomerRef who, string groupId, Dictionary<string, CdpValue>? traits = null,
        EventOptions? options = null, CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<EventReceipt> AliasAsync(string userId, string previousId, EventOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IdentityRules> GetIdentityRulesAsync(CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<IdentityRules> SetIdentityRulesAsync(IdentityRules rules, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IdentityExplanation?> ExplainAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<IdentityJournalEntry>> GetMergeJournalAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IdentityJournalEntry> UnmergeAsync(ExternalId id, string entryId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<EventReceipt> SetConsentAsync(CustomerRef who, IReadOnlyList<ConsentChange> changes, EventOptions? options = null,
        CancellationToken cancellationToken = default) => throw new NotSupportedException();

    public Task<CustomerConsent?> GetConsentAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<bool> IsAllowedAsync(
        ExternalId id, string purpose, string? channel = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<PrivacyExport?> ExportAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<ErasureResult> EraseAsync(ExternalId id, string requestedBy, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<ErasureResult?> GetPrivacyRequestAsync(string requestId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<PrivacyAuditEntry>> GetPrivacyAuditAsync(CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<RetentionSweepResult> SweepRetentionAsync(
        string requestedBy, DateTimeOffset? cutoff = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<SegmentDefinition> CreateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<SegmentDefinition?> GetDefinitionAsync(string id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<SegmentDefinition> UpdateDefinitionAsync(SegmentDefinition definition, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<bool> DeleteDefinitionAsync(string id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IReadOnlyList<SegmentDefinition>> ListDefinitionsAsync(
        DefinitionKind? kind = null, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<IAsyncDisposable> SubscribeAsync(
        string definitionId, DefinitionKind kind, Func<SegmentMessage, CancellationToken, Task> handler,
        CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<SegmentMemberPage> GetSegmentMembersAsync(
        string segmentId, string? cursor = null, int pageSize = 100, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<CustomerSegments?> GetSegmentsAsync(ExternalId id, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<BackfillProgress> StartBackfillAsync(string definitionId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();

    public Task<BackfillProgress?> GetBackfillProgressAsync(string definitionId, CancellationToken cancellationToken = default) =>
        throw new NotSupportedException();
}

public sealed class BatchSenderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("cdp-cli-sender-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static PendingEvent Row(int line) => new(
        new CdpEvent { Type = EventType.Track, UserId = $"u{line}", Event = "E", MessageId = $"m{line}" }, line, $"row {line}", 100);

    private static EventReceipt[] Accept(IReadOnlyList<CdpEvent> events) =>
        events.Select(e => new EventReceipt(e.MessageId!, "c", Duplicate: false)).ToArray();

    private (Rejects Rejects, StringWriter Error, RunStats Stats) Parts()
    {
        var error = new StringWriter();
        var stats = new RunStats();
        return (new Rejects(Path.Combine(_folder, "rejects.csv"), "in.csv", new Progress(error, false, stats, () => null)), error, stats);
    }

    [Fact]
    public async Task Send_CallFailsTwiceThenWorks_IsRetriedAndEveryRowApplied()
    {
        var client = new RefusingClient((events, call) => call <= 2 ? throw new TimeoutException("slow silo") : Accept(events));
        var (rejects, _, stats) = Parts();
        using var _ = rejects;
        var sender = new BatchSender(client, new SendSettings(10, 1), rejects, stats, CancellationToken.None, _ => TimeSpan.Zero);

        for (var line = 2; line <= 4; line++)
        {
            await sender.AddAsync(Row(line));
        }

        await sender.CompleteAsync();

        Assert.Equal((3, 3L, 0L), (client.Calls, stats.Applied, stats.Rejected));
    }

    [Fact]
    public async Task Send_CallFailsEveryTime_StopsWithClusterUnavailableNamingTheLines()
    {
        var client = new RefusingClient((_, _) => throw new TimeoutException("slow silo"));
        var (rejects, _, stats) = Parts();
        using var _ = rejects;
        var sender = new BatchSender(client, new SendSettings(10, 2), rejects, stats, CancellationToken.None, _ => TimeSpan.Zero);
        await sender.AddAsync(Row(2));
        await sender.AddAsync(Row(3));

        var error = await Assert.ThrowsAsync<ClusterUnavailableException>(sender.CompleteAsync);

        Assert.Equal(
            "the cluster failed the batch of lines 2-3 3 times (TimeoutException: slow silo); rows sent before it stay applied, " +
            "and running the same command again is safe.",
            error.Message);
        Assert.Equal((3, 0L), (client.Calls, stats.Applied));
    }

    [Fact]
    public async Task Send_ClusterRefusesOneEvent_RejectsThatRowAndSendsTheRestAgain()
    {
        var client = new RefusingClient((events, call) => call == 1
            ? throw new CdpValidationException(
                new CdpValidationError("event", CdpValidationRule.TooLong, "is too long.") { EventIndex = 1 })
            : Accept(events));
        var (rejects, error, stats) = Parts();
        var sender = new BatchSender(client, new SendSettings(10, 1), rejects, stats, CancellationToken.None, _ => TimeSpan.Zero);
        for (var line = 2; line <= 4; line++)
        {
            await sender.AddAsync(Row(line));
        }

        await sender.CompleteAsync();
        rejects.Dispose();

        Assert.Equal((2, 2L, 1L), (client.Calls, stats.Applied, stats.Rejected));
        Assert.Equal("in.csv:3: event: is too long.\n", error.ToString());
        Assert.Equal("line,reason,record\n3,event: is too long.,row 3\n", File.ReadAllText(Path.Combine(_folder, "rejects.csv")));
    }
}
