using Cdp.Grains.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;
using Orleans.Streams;

namespace Cdp.Grains.Privacy;

/// <summary>How far an erasure got. Each stage is idempotent, so a resumed erasure repeats at most its current one.</summary>
public enum ErasureStage : byte
{
    /// <summary>Suppression records of the identifiers are being marked pending: new sightings are dropped from here on.</summary>
    Suppressing = 1,

    /// <summary>Identity grains are being removed.</summary>
    Identities = 2,

    /// <summary>Customer grains' state and archive partitions are being removed.</summary>
    Customers = 3,

    /// <summary>The erasure notice is being published.</summary>
    Notifying = 4,

    /// <summary>Suppression records are being kept (or removed, with fresh starts allowed).</summary>
    Finishing = 5,

    Done = 6,
}

/// <summary>
/// A privacy request's stored progress. While an erasure runs it lists the identifiers to remove; once done, only hashes.
/// </summary>
[GenerateSerializer, Alias("cdp.privacy-request-state")]
public sealed class PrivacyRequestState
{
    [Id(0)] public PrivacyRequestStatus Status { get; set; }

    [Id(1)] public ErasureStage Stage { get; set; }

    [Id(2)] public string RequestedBy { get; set; } = "";

    [Id(3)] public DateTimeOffset RequestedAt { get; set; }

    [Id(4)] public DateTimeOffset? CompletedAt { get; set; }

    [Id(5)] public string IdentifierHash { get; set; } = "";

    [Id(6)] public string? CustomerId { get; set; }

    [Id(7)] public List<string> MergedCustomerIds { get; set; } = [];

    /// <summary>The identifiers being erased, held only until the erasure completes.</summary>
    [Id(8)] public List<ExternalId> Identifiers { get; set; } = [];

    /// <summary>Salted hashes of <see cref="Identifiers"/>, in ascending order (the order suppression records are taken in).</summary>
    [Id(9)] public List<string> IdentifierHashes { get; set; } = [];

    [Id(10)] public long EventsErased { get; set; }

    [Id(11)] public int IdentifiersErased { get; set; }
}

/// <summary>
/// One privacy request. An erasure resolves the identifier to its customer (through tombstones to the survivor),
/// gathers every customer merged into it and every identifier pointing at them, then, storing its progress after
/// each stage: marks suppression records pending, removes identity grains, removes customer state and archives,
/// publishes the erasure notice, and leaves the suppression records (or removes them). Asking again finishes it.
/// </summary>
public sealed partial class PrivacyCoordinatorGrain(
    [PersistentState("privacy-request", CdpStorageNames.Profiles)] IPersistentState<PrivacyRequestState> state,
    IdentifierHasher hasher,
    IOptions<CdpPrivacyOptions> options,
    TimeProvider time,
    ILogger<PrivacyCoordinatorGrain> logger) : Grain, IPrivacyCoordinatorGrain
{
    private const int MaxForwards = 16;

    private string RequestId => this.GetPrimaryKeyString();

    public async Task<PrivacyExport?> ExportAsync(ExternalId id, string requestedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        var started = time.GetUtcNow();
        id = id.Normalize();
        var owner = await Identity(id).GetCustomerAsync();
        var exported = owner is null ? null : await Customer(owner).ExportAsync();
        var now = time.GetUtcNow();
        await Audit.AppendAsync(new PrivacyAuditEntry
        {
            RequestId = RequestId,
            Kind = PrivacyRequestKind.Export,
            RequestedBy = requestedBy,
            RequestedAt = started,
            Outcome = exported is null ? PrivacyRequestStatus.NothingFound : PrivacyRequestStatus.Completed,
            Duration = now - started,
            IdentifierHash = hasher.Hash(id),
            CustomerId = exported?.Profile.CustomerId,
            Events = exported?.Events.Length ?? 0,
        });
        DeactivateOnIdle();
        if (exported is not { } found)
        {
            return null;
        }

        LogExported(logger, RequestId, found.Profile.CustomerId, found.Events.Length);
        return new PrivacyExport
        {
            RequestId = RequestId,
            Identifier = id,
            ExportedAt = now,
            Profile = found.Profile,
            Events = found.Events,
        };
    }

    public async Task<ErasureResult> EraseAsync(ExternalId id, string requestedBy)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(requestedBy);
        if (state.State.Status != 0)
        {
            return (await ResumeAsync())!;
        }

        id = id.Normalize();
        var hash = hasher.Hash(id);

        // An interrupted erasure of this identifier is finished rather than started again: its identity grains may be gone.
        var (holder, pending) = await Suppression(hash).GetAsync();
        if (pending && holder != RequestId)
        {
            return (await Coordinator(holder!).ResumeAsync())!;
        }

        state.State.RequestedBy = requestedBy;
        state.State.RequestedAt = time.GetUtcNow();
        state.State.IdentifierHash = hash;
        var owner = await Identity(id).GetCustomerAsync();
        if (owner is null)
        {
            state.State.Status = PrivacyRequestStatus.NothingFound;
            state.State.Stage = ErasureStage.Done;
            state.State.CompletedAt = time.GetUtcNow();
            await AuditAsync();
            await state.WriteStateAsync();
            LogNothingFound(logger, RequestId);
            return Result();
        }

        await PlanAsync(id, owner);
        return await ContinueAsync();
    }

    public async Task<ErasureResult?> ResumeAsync()
    {
        if (state.State.Status == 0)
        {
            return null;
        }

        return state.State.Status == PrivacyRequestStatus.InProgress ? await ContinueAsync() : Result();
    }

    public Task<ErasureResult?> GetAsync() => Task.FromResult(state.State.Status == 0 ? null : Result());

    private async Task PlanAsync(ExternalId id, string owner)
    {
        var customer = owner;
        var plan = await Customer(customer).GetPrivacyPlanAsync();
        for (var hop = 0; plan.MergedInto is { } survivor; hop++)
        {
            if (hop == MaxForwards)
            {
                throw new InvalidOperationException($"Customer {owner} forwards through more than {MaxForwards} merges; try again.");
            }

            customer = survivor;
            plan = await Customer(customer).GetPrivacyPlanAsync();
        }

        var absorbed = plan.Absorbed.Where(a => a != customer).Distinct().ToList();
        var plans = await Task.WhenAll(absorbed.Select(a => Customer(a).GetPrivacyPlanAsync()));
        var candidates = plan.Identifiers.Concat(plans.SelectMany(p => p.Identifiers)).Append(id)
            .Select(i => i.Normalize()).Distinct().ToList();
        var customers = absorbed.Append(customer).ToHashSet(StringComparer.Ordinal);
        var owners = await Task.WhenAll(candidates.Select(i => Identity(i).GetCustomerAsync()));
        var identifiers = candidates.Where((_, k) => owners[k] is { } o && customers.Contains(o)).ToList();

        state.State.Status = PrivacyRequestStatus.InProgress;
        state.State.Stage = ErasureStage.Suppressing;
        state.State.CustomerId = customer;
        state.State.MergedCustomerIds = absorbed;
        state.State.Identifiers = identifiers;
        state.State.IdentifierHashes = [.. identifiers.Select(hasher.Hash).Order(StringComparer.Ordinal)];
        await state.WriteStateAsync();
    }

    private async Task<ErasureResult> ContinueAsync()
    {
        var s = state.State;
        if (s.Stage == ErasureStage.Suppressing)
        {
            // Taken one by one in hash order, so two erasures that share identifiers never wait on each other in a circle.
            foreach (var hash in s.IdentifierHashes)
            {
                string holder;
                while ((holder = await Suppression(hash).BeginAsync(RequestId)) != RequestId)
                {
                    await Coordinator(holder).ResumeAsync();
                }
            }

            await AdvanceAsync(ErasureStage.Identities);
        }

        string[] customers = [s.CustomerId!, .. s.MergedCustomerIds];
        if (s.Stage == ErasureStage.Identities)
        {
            var erased = await Task.WhenAll(s.Identifiers.Select(i => Identity(i).EraseAsync(customers)));
            s.IdentifiersErased = erased.Count(e => e);
            await AdvanceAsync(ErasureStage.Customers);
        }

        if (s.Stage == ErasureStage.Customers)
        {
            s.EventsErased += await Customer(s.CustomerId!).EraseAsync(RequestId);
            await state.WriteStateAsync();
            await Task.WhenAll(s.MergedCustomerIds.Select(c => Customer(c).EraseAsync(RequestId)));
            await AdvanceAsync(ErasureStage.Notifying);
        }

        if (s.Stage == ErasureStage.Notifying)
        {
            var stream = this.GetStreamProvider(CdpStreams.ProviderName).GetStream<ErasureNotice>(
                StreamId.Create(CdpStreams.ErasureNamespace, CdpStreams.ErasureStreamKey));
            await stream.OnNextAsync(new ErasureNotice
            {
                RequestId = RequestId,
                CustomerId = s.CustomerId!,
                MergedCustomerIds = [.. s.MergedCustomerIds],
                IdentifierHashes = [.. s.IdentifierHashes],
                ErasedAt = time.GetUtcNow(),
            });
            await AdvanceAsync(ErasureStage.Finishing);
        }

        if (s.Stage == ErasureStage.Finishing)
        {
            var keep = options.Value.AfterErasure == AfterErasure.Suppress;
            await Task.WhenAll(s.IdentifierHashes.Select(h => Suppression(h).CompleteAsync(RequestId, keep)));
            s.Status = PrivacyRequestStatus.Completed;
            s.CompletedAt = time.GetUtcNow();
            s.Identifiers = [];
            await AuditAsync();
            await AdvanceAsync(ErasureStage.Done);
            LogErased(logger, RequestId, s.CustomerId!, s.MergedCustomerIds.Count + 1, s.IdentifiersErased, s.EventsErased,
                (s.CompletedAt.Value - s.RequestedAt).TotalMilliseconds);
        }

        return Result();
    }

    private async Task AdvanceAsync(ErasureStage stage)
    {
        state.State.Stage = stage;
        await state.WriteStateAsync();
    }

    // Appends are idempotent per request, so a retry after a failed state write records the request once.
    private Task AuditAsync()
    {
        var s = state.State;
        return Audit.AppendAsync(new PrivacyAuditEntry
        {
            RequestId = RequestId,
            Kind = PrivacyRequestKind.Erasure,
            RequestedBy = s.RequestedBy,
            RequestedAt = s.RequestedAt,
            Outcome = s.Status,
            Duration = (s.CompletedAt ?? s.RequestedAt) - s.RequestedAt,
            IdentifierHash = s.IdentifierHash,
            CustomerId = s.CustomerId,
            Events = s.EventsErased,
        });
    }

    private ErasureResult Result()
    {
        var s = state.State;
        return new ErasureResult
        {
            RequestId = RequestId,
            Status = s.Status,
            CustomerId = s.CustomerId,
            EventsErased = s.EventsErased,
            IdentifiersErased = s.IdentifiersErased,
            CustomersErased = s.Status == PrivacyRequestStatus.Completed ? s.MergedCustomerIds.Count + 1 : 0,
            RequestedAt = s.RequestedAt,
            CompletedAt = s.CompletedAt,
            Duration = (s.CompletedAt ?? time.GetUtcNow()) - s.RequestedAt,
        };
    }

    private IPrivacyAuditGrain Audit => GrainFactory.GetGrain<IPrivacyAuditGrain>(0);

    private IIdentityGrain Identity(ExternalId id) => GrainFactory.GetGrain<IIdentityGrain>(IdentityKeys.Of(id));

    private ICustomerGrain Customer(string customerId) => GrainFactory.GetGrain<ICustomerGrain>(customerId);

    private ISuppressionGrain Suppression(string hash) => GrainFactory.GetGrain<ISuppressionGrain>(hash);

    private IPrivacyCoordinatorGrain Coordinator(string requestId) => GrainFactory.GetGrain<IPrivacyCoordinatorGrain>(requestId);

    [LoggerMessage(EventId = 5010, Level = LogLevel.Information,
        Message = "Privacy request {RequestId}: exported customer {CustomerId} with {Count} archived events")]
    private static partial void LogExported(ILogger logger, string requestId, string customerId, int count);

    [LoggerMessage(EventId = 5011, Level = LogLevel.Information,
        Message = "Privacy request {RequestId}: erasure found no customer for the identifier; nothing changed")]
    private static partial void LogNothingFound(ILogger logger, string requestId);

    [LoggerMessage(EventId = 5012, Level = LogLevel.Information,
        Message = "Privacy request {RequestId}: erased customer {CustomerId} ({Customers} customers, {Identifiers} identifiers, "
            + "{Events} archived events) in {Milliseconds} ms")]
    private static partial void LogErased(
        ILogger logger, string requestId, string customerId, int customers, int identifiers, long events, double milliseconds);
}
