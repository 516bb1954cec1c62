using System.Globalization;
using System.Text;

namespace Cdp.Cli.Output;

/// <summary>A profile laid out for a person at a terminal.</summary>
internal static class ProfileText
{
    private const int RecentShown = 10;

    public static void Write(TextWriter output, CustomerProfile profile, ExternalId lookedUp)
    {
        output.WriteLine($"Customer {profile.CustomerId} (found by {lookedUp})");
        output.WriteLine($"  first seen {Time(profile.FirstSeen)}, last seen {Time(profile.LastSeen)}, {profile.EventCount:N0} events");

        output.WriteLine();
        output.WriteLine("Identifiers");
        var idWidth = profile.Identifiers.Select(i => i.Type.Length + i.Value.Length + 1).DefaultIfEmpty(0).Max();
        foreach (var id in profile.Identifiers)
        {
            output.WriteLine($"  {(id.Type + ":" + id.Value).PadRight(idWidth)}  first seen {Time(id.FirstSeen)}{From(id.Source)}");
        }

        foreach (var section in Enum.GetValues<ProfileSection>())
        {
            var traits = profile.TraitsIn(section).OrderBy(t => t.Key, StringComparer.Ordinal).ToList();
            var events = profile.EventsIn(section).OrderBy(e => e.Name, StringComparer.Ordinal).ToList();
            if (traits.Count == 0 && events.Count == 0)
            {
                continue;
            }

            output.WriteLine();
            output.WriteLine(section);
            var width = traits.Select(t => t.Key.Length).Concat(events.Select(e => e.Name.Length)).Max();
            foreach (var (name, trait) in traits)
            {
                output.WriteLine($"  {name.PadRight(width)}  {Value(trait.Value)}{From(trait.Source)}, {Time(trait.EventTime)}");
            }

            foreach (var aggregate in events)
            {
                var sum = aggregate.Sum == 0 ? "" : string.Create(CultureInfo.InvariantCulture, $", sum {aggregate.Sum:0.##}");
                output.WriteLine($"  {aggregate.Name.PadRight(width)}  {aggregate.Count:N0}x{sum}, " +
                    $"{Time(aggregate.FirstTime)} .. {Time(aggregate.LastTime)}");
            }
        }

        if (profile.Groups.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Groups");
            foreach (var (groupId, group) in profile.Groups.OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                output.WriteLine($"  {groupId}  {CdpValue.Object(new Dictionary<string, CdpValue>(group.Traits))}");
            }
        }

        if (profile.RecentEvents.Count > 0)
        {
            output.WriteLine();
            output.WriteLine(profile.RecentEvents.Count > RecentShown ? $"Recent events (newest {RecentShown})" : "Recent events");
            foreach (var recent in profile.RecentEvents.TakeLast(RecentShown))
            {
                var name = recent.Name is null ? "" : "  " + recent.Name;
                output.WriteLine($"  {Time(recent.EventTime)}  {recent.Type.ToWireName()}{name}{From(recent.Source)}");
            }
        }

        if (profile.Consent.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Consent");
            foreach (var (key, record) in profile.Consent.OrderBy(c => c.Key, StringComparer.Ordinal))
            {
                var expires = record.ExpiresAt is { } at ? $", until {Time(at)}" : "";
                var status = record.Status.ToString().ToLowerInvariant();
                output.WriteLine($"  {key}  {status} as of {Time(record.EventTime)}{expires}{From(record.Source)}");
            }
        }

        if (profile.Journal.Count > 0)
        {
            output.WriteLine();
            output.WriteLine("Identity journal");
            foreach (var entry in profile.Journal)
            {
                var undone = entry.UndoneAt is null ? "" : $" (undone by {entry.UndoneBy})";
                output.WriteLine($"  {Time(entry.At)}  {entry.Action} [{entry.Rule}] {entry.EntryId}{undone}: {entry.Detail}");
            }
        }
    }

    internal static string Time(DateTimeOffset? time) =>
        time is { } t ? t.UtcDateTime.ToString("yyyy-MM-dd HH:mm:ss'Z'", CultureInfo.InvariantCulture) : "-";

    private static string Value(CdpValue value) => value.TryGetString(out var text) ? text : value.ToString();

    private static string From(string? source) => source is null ? "" : $"  [{source}]";
}

/// <summary>One archived event as one line of text.</summary>
internal static class EventText
{
    public static string Line(ArchivedEvent archived)
    {
        var evt = archived.Event;
        var name = evt.Type switch
        {
            EventType.Track => evt.Event,
            EventType.Page or EventType.Screen => evt.Name,
            EventType.Group => evt.GroupId,
            EventType.Alias => evt.PreviousId,
            _ => null,
        };
        var fields = evt.Type is EventType.Track or EventType.Page or EventType.Screen ? evt.Properties : evt.Traits;
        var text = new StringBuilder();
        text.Append(CultureInfo.InvariantCulture, $"{archived.Sequence,6}  {ProfileText.Time(evt.Timestamp ?? evt.ReceivedAt)}  ");
        text.Append(CultureInfo.InvariantCulture, $"{evt.Type.ToWireName(),-8}");
        if (name is not null)
        {
            text.Append("  ").Append(name);
        }

        if (fields is { Count: > 0 })
        {
            text.Append("  ").Append(CdpValue.Object(fields));
        }

        if (evt.Source is not null)
        {
            text.Append("  [").Append(evt.Source).Append(']');
        }

        return text.Append("  ").Append(evt.MessageId).ToString();
    }
}
