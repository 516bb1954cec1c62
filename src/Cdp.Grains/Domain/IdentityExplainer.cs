using System.Globalization;

namespace Cdp.Grains.Domain;

/// <summary>Builds the explanation of why an identifier belongs to a profile, from the profile's journal.</summary>
public static class IdentityExplainer
{
    /// <summary>
    /// The merges that carried <paramref name="id"/> into the profile, newest first: each one's absorbed
    /// customer held it. The last one's absorbed customer is where it first arrived.
    /// </summary>
    public static List<IdentityJournalEntry> MergePath(CustomerProfile profile, ExternalId id)
    {
        var path = new List<IdentityJournalEntry>();
        var customer = profile.CustomerId;
        for (var hop = 0; hop <= profile.Journal.Count; hop++)
        {
            var merge = profile.Journal.FindLast(e =>
                e.Action == IdentityAction.Merged && e.UndoneAt is null && e.CustomerId == customer &&
                e.MovedIdentifiers.Contains(id));
            if (merge?.OtherCustomerId is not { } absorbed)
            {
                break;
            }

            path.Add(merge);
            customer = absorbed;
        }

        return path;
    }

    /// <summary>The explanation, or null when the profile does not hold the identifier.</summary>
    /// <param name="firstEvent">The earliest event that carried the identifier, if it could be read.</param>
    public static IdentityExplanation? Explain(CustomerProfile profile, ExternalId id, CdpEvent? firstEvent)
    {
        var record = profile.Identifiers.Find(r => r.Type == id.Type && r.Value == id.Value);
        if (record is null)
        {
            return null;
        }

        var path = MergePath(profile, id);
        var origin = path.Count == 0 ? profile.CustomerId : path[^1].OtherCustomerId!;
        var steps = new List<ExplanationStep>(path.Count + 1);
        var carried = firstEvent?.Identifiers ?? [id];
        var what = firstEvent is null ? "an event" : Describe(firstEvent);
        var others = carried.Where(c => c != id).ToArray();
        var with = others.Length == 0 ? "" : " together with " + string.Join(", ", others);
        steps.Add(new ExplanationStep(
            null, record.FirstSeen, record.MessageId, origin, null, carried,
            $"{Time(record.FirstSeen)}: {id} first arrived on {what} (messageId {record.MessageId}, source " +
            $"{record.Source ?? "unnamed"}){with}, on customer {origin}."));

        for (var i = path.Count - 1; i >= 0; i--)
        {
            var merge = path[i];
            var survivorSide = merge.Identifiers.Except(merge.LinkedIdentifiers).ToArray();
            steps.Add(new ExplanationStep(
                IdentityAction.Merged, merge.At, merge.MessageId, merge.CustomerId, merge.OtherCustomerId, merge.Identifiers,
                $"{Time(merge.At)}: customer {merge.OtherCustomerId} was merged into {merge.CustomerId} " +
                $"(journal entry {merge.EntryId}, rules version {merge.RulesVersion}) because event {merge.MessageId} carried " +
                $"{string.Join(", ", merge.LinkedIdentifiers)} of {merge.OtherCustomerId}" +
                (survivorSide.Length == 0 ? "." : $" and {string.Join(", ", survivorSide)} of {merge.CustomerId}.")));
        }

        return new IdentityExplanation(id, profile.CustomerId, steps);
    }

    private static string Describe(CdpEvent evt) => evt.Type switch
    {
        EventType.Track => $"a track event '{evt.Event}'",
        EventType.Identify => "an identify call",
        EventType.Alias => "an alias call",
        EventType.Group => $"a group call for '{evt.GroupId}'",
        _ => $"a {evt.Type.ToString().ToLowerInvariant()} call" + (evt.Name is null ? "" : $" '{evt.Name}'"),
    };

    private static string Time(DateTimeOffset at) => at.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture);
}
