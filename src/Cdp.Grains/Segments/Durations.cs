using System.Globalization;

namespace Cdp.Grains.Segments;

/// <summary>Durations as definitions write them: a whole number and a unit, such as <c>45s</c>, <c>1h</c>, <c>30d</c>, <c>2w</c>.</summary>
public static class Durations
{
    /// <summary>The shortest window or absence time a definition may use.</summary>
    public static readonly TimeSpan Min = TimeSpan.FromSeconds(1);

    /// <summary>The longest: a little over a year.</summary>
    public static readonly TimeSpan Max = TimeSpan.FromDays(400);

    public static bool TryParse(ReadOnlySpan<char> text, out TimeSpan duration)
    {
        duration = default;
        if (text.Length < 2 || text.Length > 12 ||
            !long.TryParse(text[..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var amount))
        {
            return false;
        }

        // Bounded before multiplying, so an absurd amount is out of range rather than an overflow.
        if (amount > 100_000_000)
        {
            duration = TimeSpan.MaxValue;
            return true;
        }

        duration = text[^1] switch
        {
            's' => TimeSpan.FromSeconds(amount),
            'm' => TimeSpan.FromMinutes(amount),
            'h' => TimeSpan.FromHours(amount),
            'd' => TimeSpan.FromDays(amount),
            'w' => TimeSpan.FromDays(amount * 7),
            _ => TimeSpan.MinValue,
        };
        return duration != TimeSpan.MinValue;
    }

    /// <summary>The shortest exact form: <c>90m</c> stays <c>90m</c>, <c>60m</c> is <c>1h</c>.</summary>
    public static string Format(TimeSpan duration)
    {
        var seconds = (long)duration.TotalSeconds;
        if (seconds % 604_800 == 0 && seconds > 0)
        {
            return Invariant(seconds / 604_800) + "w";
        }

        return seconds % 86_400 == 0 && seconds > 0 ? Invariant(seconds / 86_400) + "d"
            : seconds % 3_600 == 0 && seconds > 0 ? Invariant(seconds / 3_600) + "h"
            : seconds % 60 == 0 && seconds > 0 ? Invariant(seconds / 60) + "m"
            : Invariant(seconds) + "s";
    }

    public static bool InRange(TimeSpan duration) => duration >= Min && duration <= Max;

    private static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
