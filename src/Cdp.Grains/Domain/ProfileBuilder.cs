namespace Cdp.Grains.Domain;

/// <summary>
/// Applies events to a profile. Pure: no I/O and no clock, so a profile rebuilt from the archive equals
/// the live one, and the outcome does not depend on the order in which events arrive.
/// </summary>
public sealed class ProfileBuilder(SectionMap sections, int recentEventWindow, ConsentCatalog? consent = null)
{
    private readonly ConsentCatalog _consent = consent ?? ConsentCatalog.Default;

    /// <summary>The aggregate name of page calls.</summary>
    public const string PageViewed = "Page Viewed";

    /// <summary>The aggregate name of screen calls.</summary>
    public const string ScreenViewed = "Screen Viewed";

    /// <summary>
    /// Applies one routed event: its identifiers normalized and complete, messageId and receivedAt set.
    /// </summary>
    /// <returns>
    /// The messageId that is not in the profile's recent-event window after this event (the oldest one pushed out, or
    /// this event's own when it is older than the whole window), or null when the window only grew.
    /// </returns>
    public string? Apply(CustomerProfile profile, CdpEvent evt, long sequence)
    {
        var time = EventTimes.Of(evt);
        var messageId = evt.MessageId ?? throw new ArgumentException("A routed event has a messageId.", nameof(evt));

        profile.EventCount++;
        profile.Sequence = sequence;
        if (profile.FirstSeen is not { } first || time < first)
        {
            profile.FirstSeen = time;
        }

        if (profile.LastSeen is not { } last || time > last)
        {
            profile.LastSeen = time;
        }

        ApplyIdentifiers(profile, evt, time, messageId);
        if (evt.Context is not null)
        {
            ApplyConsent(profile, evt, time, messageId);
        }

        switch (evt.Type)
        {
            case EventType.Identify:
                ApplyTraits(profile, evt, time, messageId);
                break;
            case EventType.Group:
                ApplyGroup(profile, evt, time, messageId);
                break;
        }

        var section = sections.ForEvent(evt.Type, evt.Event);
        if (AggregateName(evt) is { } aggregateName)
        {
            ApplyAggregate(profile, evt, aggregateName, section, time);
        }

        return AddRecent(profile, evt, time, messageId, section, sequence);
    }

    /// <summary>The aggregate an event counts towards: the track event name, or page and screen views.</summary>
    public static string? AggregateName(CdpEvent evt) => evt.Type switch
    {
        EventType.Track => evt.Event,
        EventType.Page => PageViewed,
        EventType.Screen => ScreenViewed,
        _ => null,
    };

    /// <summary>The numeric <c>revenue</c> property, else <c>value</c>, else zero.</summary>
    public static decimal RevenueOf(CdpEvent evt)
    {
        var properties = evt.Properties;
        if (properties is null)
        {
            return 0m;
        }

        if ((properties.TryGetValue("revenue", out var value) || properties.TryGetValue("value", out value)) &&
            value.TryGetNumber(out var number) && Math.Abs(number) < 7.9e27)
        {
            return (decimal)number;
        }

        return 0m;
    }

    // A sum past decimal's range stays at its bound instead of failing the event after it was archived.
    private static decimal SaturatingAdd(decimal sum, decimal amount)
    {
        if (amount > 0 && sum > decimal.MaxValue - amount)
        {
            return decimal.MaxValue;
        }

        if (amount < 0 && sum < decimal.MinValue - amount)
        {
            return decimal.MinValue;
        }

        return sum + amount;
    }

    private static void ApplyIdentifiers(CustomerProfile profile, CdpEvent evt, DateTimeOffset time, string messageId)
    {
        foreach (var id in evt.Identifiers ?? [])
        {
            var record = profile.Identifiers.Find(r => r.Type == id.Type && r.Value == id.Value);
            if (record is null)
            {
                profile.Identifiers.Add(new IdentifierRecord
                {
                    Type = id.Type,
                    Value = id.Value,
                    FirstSeen = time,
                    Source = evt.Source,
                    MessageId = messageId,
                });
            }
            else if (EventTimes.IsNewer(record.FirstSeen, record.MessageId ?? "", time, messageId))
            {
                record.FirstSeen = time;
                record.Source = evt.Source;
                record.MessageId = messageId;
            }
        }
    }

    // The decision with the newest event time is in force; every decision is kept in the history.
    private void ApplyConsent(CustomerProfile profile, CdpEvent evt, DateTimeOffset time, string messageId)
    {
        foreach (var change in _consent.Read(evt))
        {
            var record = new ConsentRecord
            {
                Purpose = change.Purpose,
                Channel = change.Channel,
                Status = change.Status,
                LegalBasis = change.LegalBasis,
                PolicyVersion = change.PolicyVersion,
                Source = evt.Source,
                EventTime = time,
                ReceivedAt = evt.ReceivedAt!.Value,
                MessageId = messageId,
                ExpiresAt = change.ExpiresAt,
            };

            var key = record.Key;
            record.Applied = !profile.Consent.TryGetValue(key, out var current) ||
                EventTimes.IsNewer(time, messageId, current.EventTime, current.MessageId);
            if (record.Applied)
            {
                profile.Consent[key] = record;
            }

            var history = profile.ConsentHistory;
            history.Add(record.Applied ? record.Clone() : record);
            if (history.Count > _consent.MaxHistory)
            {
                history.RemoveRange(0, history.Count - _consent.MaxHistory);
            }
        }
    }

    private void ApplyTraits(CustomerProfile profile, CdpEvent evt, DateTimeOffset time, string messageId)
    {
        foreach (var (name, value) in evt.Traits ?? [])
        {
            if (profile.Traits.TryGetValue(name, out var current))
            {
                if (!EventTimes.IsNewer(time, messageId, current.EventTime, current.MessageId))
                {
                    continue;
                }

                current.Value = value;
                current.Source = evt.Source;
                current.EventTime = time;
                current.ReceivedAt = evt.ReceivedAt!.Value;
                current.MessageId = messageId;
                continue;
            }

            profile.Traits[name] = new TraitValue
            {
                Value = value,
                Source = evt.Source,
                EventTime = time,
                ReceivedAt = evt.ReceivedAt!.Value,
                MessageId = messageId,
                Section = sections.ForTrait(name),
            };
        }
    }

    private static void ApplyGroup(CustomerProfile profile, CdpEvent evt, DateTimeOffset time, string messageId)
    {
        var groupId = evt.GroupId!;
        if (profile.Groups.TryGetValue(groupId, out var membership) &&
            !EventTimes.IsNewer(time, messageId, membership.EventTime, membership.MessageId))
        {
            return;
        }

        profile.Groups[groupId] = new GroupMembership
        {
            GroupId = groupId,
            Traits = evt.Traits is null ? new(StringComparer.Ordinal) : new(evt.Traits, StringComparer.Ordinal),
            EventTime = time,
            MessageId = messageId,
        };
    }

    private static void ApplyAggregate(CustomerProfile profile, CdpEvent evt, string name, ProfileSection section, DateTimeOffset time)
    {
        if (!profile.Events.TryGetValue(name, out var aggregate))
        {
            profile.Events[name] = aggregate = new EventAggregate
            {
                Name = name,
                FirstTime = time,
                LastTime = time,
                Section = section,
            };
        }

        aggregate.Count++;
        aggregate.Sum = SaturatingAdd(aggregate.Sum, RevenueOf(evt));
        if (time < aggregate.FirstTime)
        {
            aggregate.FirstTime = time;
        }

        if (time > aggregate.LastTime)
        {
            aggregate.LastTime = time;
        }
    }

    private string? AddRecent(
        CustomerProfile profile, CdpEvent evt, DateTimeOffset time, string messageId, ProfileSection section, long sequence)
    {
        if (recentEventWindow == 0)
        {
            return messageId;
        }

        var recent = profile.RecentEvents;

        // Kept in event-time order: find the place from the end, where a live event almost always lands.
        var index = recent.Count;
        while (index > 0 && EventTimes.IsNewer(recent[index - 1].EventTime, recent[index - 1].MessageId, time, messageId))
        {
            index--;
        }

        if (index == 0 && recent.Count >= recentEventWindow)
        {
            return messageId;
        }

        recent.Insert(index, new RecentEvent
        {
            MessageId = messageId,
            Type = evt.Type,
            Name = evt.Type switch
            {
                EventType.Track => evt.Event,
                EventType.Group => evt.GroupId,
                _ => evt.Name,
            },
            EventTime = time,
            ReceivedAt = evt.ReceivedAt!.Value,
            Section = section,
            Source = evt.Source,
            Sequence = sequence,
        });

        if (recent.Count > recentEventWindow)
        {
            var oldest = recent[0].MessageId;
            recent.RemoveAt(0);
            return oldest;
        }

        return null;
    }
}
