using System.Text.Json;

namespace Cdp;

/// <summary>
/// The JSON form of a <see cref="CustomerProfile"/>. Without the personal-data scope it is masked: every
/// identifier value, the values of traits in the <see cref="ProfileSection.Personal"/> section (names, emails,
/// phones, addresses, and any trait that <c>Cdp:Profile:Sections</c> maps there), and the identifier values in
/// the identity journal are replaced by <c>null</c> with <c>"redacted": true</c>, and journal sentences are left
/// out. Everything else (types, provenance, aggregates, other traits, event names) is shown. Shared by the HTTP
/// API and <see cref="PrivacyExport.WriteJson"/>, so a profile has one JSON form.
/// </summary>
public static class ProfileJson
{
    public static void Write(Utf8JsonWriter w, CustomerProfile profile, bool personalData)
    {
        w.WriteStartObject();
        w.WriteString("customerId", profile.CustomerId);
        WriteDate(w, "firstSeen", profile.FirstSeen);
        WriteDate(w, "lastSeen", profile.LastSeen);
        w.WriteNumber("eventCount", profile.EventCount);
        w.WriteNumber("sequence", profile.Sequence);
        w.WriteBoolean("redacted", !personalData);

        w.WriteStartArray("identifiers");
        foreach (var id in profile.Identifiers)
        {
            w.WriteStartObject();
            w.WriteString("type", id.Type);
            WriteMaskable(w, "value", personalData, id.Value);
            w.WriteString("firstSeen", id.FirstSeen);
            WriteIfSet(w, "source", id.Source);
            WriteIfSet(w, "messageId", id.MessageId);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("traits");
        foreach (var (name, trait) in profile.Traits.OrderBy(t => t.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(name);
            if (personalData || trait.Section != ProfileSection.Personal)
            {
                w.WritePropertyName("value");
                CdpJson.WriteValue(w, trait.Value);
            }
            else
            {
                w.WriteNull("value");
                w.WriteBoolean("redacted", true);
            }

            w.WriteString("section", trait.Section.ToString());
            WriteIfSet(w, "source", trait.Source);
            w.WriteString("eventTime", trait.EventTime);
            w.WriteString("receivedAt", trait.ReceivedAt);
            WriteIfSet(w, "messageId", trait.MessageId);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("events");
        foreach (var (name, aggregate) in profile.Events.OrderBy(e => e.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(name);
            w.WriteNumber("count", aggregate.Count);
            w.WriteString("firstTime", aggregate.FirstTime);
            w.WriteString("lastTime", aggregate.LastTime);
            w.WriteNumber("sum", aggregate.Sum);
            w.WriteString("section", aggregate.Section.ToString());
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartArray("recentEvents");
        foreach (var recent in profile.RecentEvents)
        {
            w.WriteStartObject();
            w.WriteString("messageId", recent.MessageId);
            w.WriteString("type", recent.Type.ToWireName());
            WriteIfSet(w, "name", recent.Name);
            w.WriteString("eventTime", recent.EventTime);
            w.WriteString("receivedAt", recent.ReceivedAt);
            w.WriteString("section", recent.Section.ToString());
            WriteIfSet(w, "source", recent.Source);
            w.WriteNumber("sequence", recent.Sequence);
            w.WriteEndObject();
        }

        w.WriteEndArray();

        w.WriteStartObject("groups");
        foreach (var (groupId, group) in profile.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(groupId);
            w.WriteStartObject("traits");
            foreach (var (name, value) in group.Traits)
            {
                w.WritePropertyName(name);
                CdpJson.WriteValue(w, value);
            }

            w.WriteEndObject();
            w.WriteString("eventTime", group.EventTime);
            WriteIfSet(w, "messageId", group.MessageId);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("segments");
        foreach (var (id, membership) in profile.Segments.OrderBy(m => m.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(id);
            w.WriteString("kind", membership.Kind.ToString().ToLowerInvariant());
            w.WriteBoolean("member", membership.Member);
            w.WriteString("since", membership.Since);
            w.WriteNumber("version", membership.Version);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("computedTraits");
        foreach (var (id, computed) in profile.ComputedTraits.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WriteStartObject(id);
            w.WriteString("name", computed.Name);
            w.WritePropertyName("value");
            CdpJson.WriteValue(w, computed.Value ?? CdpValue.Null);
            w.WriteString("updatedAt", computed.UpdatedAt);
            w.WriteEndObject();
        }

        w.WriteEndObject();

        w.WriteStartObject("consent");
        foreach (var (key, record) in profile.Consent.OrderBy(c => c.Key, StringComparer.Ordinal))
        {
            w.WritePropertyName(key);
            WriteConsentRecord(w, record);
        }

        w.WriteEndObject();

        w.WriteStartArray("journal");
        foreach (var entry in profile.Journal)
        {
            WriteJournalEntry(w, entry, personalData);
        }

        w.WriteEndArray();
        w.WriteEndObject();
    }

    /// <summary>One consent decision with its provenance.</summary>
    public static void WriteConsentRecord(Utf8JsonWriter w, ConsentRecord record)
    {
        w.WriteStartObject();
        w.WriteString("purpose", record.Purpose);
        WriteIfSet(w, "channel", record.Channel);
        w.WriteString("status", record.Status.ToString().ToLowerInvariant());
        WriteIfSet(w, "legalBasis", record.LegalBasis);
        WriteIfSet(w, "policyVersion", record.PolicyVersion);
        WriteIfSet(w, "source", record.Source);
        w.WriteString("eventTime", record.EventTime);
        w.WriteString("receivedAt", record.ReceivedAt);
        WriteIfSet(w, "messageId", record.MessageId);
        WriteDate(w, "expiresAt", record.ExpiresAt);
        w.WriteBoolean("applied", record.Applied);
        w.WriteEndObject();
    }

    /// <summary>One identity journal entry; without personal data, identifier values and the sentence are left out.</summary>
    public static void WriteJournalEntry(Utf8JsonWriter w, IdentityJournalEntry entry, bool personalData)
    {
        w.WriteStartObject();
        w.WriteString("entryId", entry.EntryId);
        w.WriteString("action", entry.Action.ToString());
        w.WriteString("at", entry.At);
        WriteIfSet(w, "messageId", entry.MessageId);
        w.WriteString("rule", entry.Rule);
        w.WriteString("customerId", entry.CustomerId);
        WriteIfSet(w, "otherCustomerId", entry.OtherCustomerId);
        WriteIdentifiers(w, "identifiers", entry.Identifiers, personalData);
        WriteIdentifiers(w, "linkedIdentifiers", entry.LinkedIdentifiers, personalData);
        WriteIdentifiers(w, "movedIdentifiers", entry.MovedIdentifiers, personalData);
        w.WriteNumber("count", entry.Count);
        w.WriteNumber("rulesVersion", entry.RulesVersion);
        if (entry.UndoneAt is { } undoneAt)
        {
            w.WriteString("undoneAt", undoneAt);
            WriteIfSet(w, "undoneBy", entry.UndoneBy);
        }

        if (personalData)
        {
            w.WriteString("detail", entry.Detail);
        }

        w.WriteEndObject();
    }

    private static void WriteIdentifiers(Utf8JsonWriter w, string name, ExternalId[] ids, bool personalData)
    {
        w.WriteStartArray(name);
        foreach (var id in ids)
        {
            w.WriteStartObject();
            w.WriteString("type", id.Type);
            WriteMaskable(w, "value", personalData, id.Value);
            w.WriteEndObject();
        }

        w.WriteEndArray();
    }

    /// <summary>A page of archived events: <c>{"events": [{"sequence", "event"}], "next"}</c>.</summary>
    public static void WritePage(Utf8JsonWriter w, EventPage page)
    {
        w.WriteStartObject();
        w.WriteStartArray("events");
        foreach (var archived in page.Events)
        {
            w.WriteStartObject();
            w.WriteNumber("sequence", archived.Sequence);
            w.WritePropertyName("event");
            CdpJson.WriteEvent(w, archived.Event);
            w.WriteEndObject();
        }

        w.WriteEndArray();
        if (page.NextAfterSequence is { } next)
        {
            w.WriteNumber("next", next);
        }
        else
        {
            w.WriteNull("next");
        }

        w.WriteEndObject();
    }

    private static void WriteMaskable(Utf8JsonWriter w, string name, bool show, string value)
    {
        if (show)
        {
            w.WriteString(name, value);
        }
        else
        {
            w.WriteNull(name);
            w.WriteBoolean("redacted", true);
        }
    }

    private static void WriteDate(Utf8JsonWriter w, string name, DateTimeOffset? value)
    {
        if (value is { } date)
        {
            w.WriteString(name, date);
        }
        else
        {
            w.WriteNull(name);
        }
    }

    private static void WriteIfSet(Utf8JsonWriter w, string name, string? value)
    {
        if (value is not null)
        {
            w.WriteString(name, value);
        }
    }
}
