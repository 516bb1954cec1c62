namespace Cdp;

/// <summary>The six call types of the Segment tracking spec.</summary>
public enum EventType : byte
{
    Identify = 1,
    Track = 2,
    Page = 3,
    Screen = 4,
    Group = 5,
    Alias = 6,
}

public static class EventTypeNames
{
    public static string ToWireName(this EventType type) => type switch
    {
        EventType.Identify => "identify",
        EventType.Track => "track",
        EventType.Page => "page",
        EventType.Screen => "screen",
        EventType.Group => "group",
        EventType.Alias => "alias",
        _ => throw new ArgumentOutOfRangeException(nameof(type), type, "Not a known event type."),
    };

    public static bool TryParse(ReadOnlySpan<char> name, out EventType type)
    {
        type = name switch
        {
            "identify" => EventType.Identify,
            "track" => EventType.Track,
            "page" => EventType.Page,
            "screen" => EventType.Screen,
            "group" => EventType.Group,
            "alias" => EventType.Alias,
            _ => 0,
        };
        return type != 0;
    }
}
