using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Privacy;

[GenerateSerializer, Alias("cdp.privacy-audit-state")]
public sealed class PrivacyAuditState
{
    [Id(0)] public List<PrivacyAuditEntry> Entries { get; set; } = [];
}

/// <summary>The audit log of privacy requests, oldest first, keeping the newest <c>Cdp:Privacy:AuditEntriesKept</c>.</summary>
public sealed class PrivacyAuditGrain(
    [PersistentState("privacy-audit", CdpStorageNames.Profiles)] IPersistentState<PrivacyAuditState> state,
    IOptions<CdpPrivacyOptions> options) : Grain, IPrivacyAuditGrain
{
    public async Task AppendAsync(PrivacyAuditEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        var entries = state.State.Entries;
        if (entries.Exists(e => e.RequestId == entry.RequestId && e.Kind == entry.Kind))
        {
            return;
        }

        entries.Add(entry);
        var over = entries.Count - options.Value.AuditEntriesKept;
        if (over > 0)
        {
            entries.RemoveRange(0, over);
        }

        await state.WriteStateAsync();
    }

    public Task<PrivacyAuditEntry[]> ListAsync() => Task.FromResult(state.State.Entries.ToArray());
}
