using Cdp.Grains.Hosting;

namespace Cdp.Grains.Domain;

/// <summary>
/// Places events and traits in the four sections of a profile. The defaults follow the Segment
/// semantic events and reserved traits; configuration adds names or overrides them.
/// </summary>
public sealed class SectionMap
{
    private static readonly (string Name, ProfileSection Section)[] DefaultEvents =
    [
        ("Page Viewed", ProfileSection.Engagement),
        ("Screen Viewed", ProfileSection.Engagement),
        ("Email Opened", ProfileSection.Engagement),
        ("Email Link Clicked", ProfileSection.Engagement),
        ("Email Delivered", ProfileSection.Engagement),
        ("Push Notification Received", ProfileSection.Engagement),
        ("Push Notification Tapped", ProfileSection.Engagement),
        ("Application Opened", ProfileSection.Engagement),
        ("Signed In", ProfileSection.Engagement),
        ("Products Searched", ProfileSection.Engagement),
        ("Product Viewed", ProfileSection.Engagement),
        ("Product List Viewed", ProfileSection.Engagement),
        ("Product Shared", ProfileSection.Engagement),
        ("Product Clicked", ProfileSection.Engagement),
        ("Promotion Viewed", ProfileSection.Engagement),
        ("Promotion Clicked", ProfileSection.Engagement),
        ("Ad Clicked", ProfileSection.Engagement),
        ("Ad Conversion", ProfileSection.Engagement),
        ("Video Playback Started", ProfileSection.Engagement),
        ("Content Viewed", ProfileSection.Engagement),
        ("Ticket Created", ProfileSection.Engagement),
        ("Support Ticket Created", ProfileSection.Engagement),
        ("Live Chat Started", ProfileSection.Engagement),
        ("Order Completed", ProfileSection.Behavioral),
        ("Order Updated", ProfileSection.Behavioral),
        ("Order Refunded", ProfileSection.Behavioral),
        ("Order Cancelled", ProfileSection.Behavioral),
        ("Checkout Started", ProfileSection.Behavioral),
        ("Product Added", ProfileSection.Behavioral),
        ("Product Removed", ProfileSection.Behavioral),
        ("Cart Viewed", ProfileSection.Behavioral),
        ("Cart Abandoned", ProfileSection.Behavioral),
        ("Coupon Applied", ProfileSection.Behavioral),
        ("Payment Info Entered", ProfileSection.Behavioral),
        ("Subscription Started", ProfileSection.Behavioral),
        ("Subscription Renewed", ProfileSection.Behavioral),
        ("Subscription Cancelled", ProfileSection.Behavioral),
        ("Trial Started", ProfileSection.Behavioral),
        ("Loyalty Points Earned", ProfileSection.Behavioral),
        ("Application Installed", ProfileSection.Behavioral),
        ("Device Registered", ProfileSection.Behavioral),
        ("Product Reviewed", ProfileSection.Attitudinal),
        ("Review Submitted", ProfileSection.Attitudinal),
    ];

    private static readonly (string Word, ProfileSection Section)[] DefaultEventKeywords =
    [
        ("Survey", ProfileSection.Attitudinal),
        ("NPS", ProfileSection.Attitudinal),
        ("Feedback", ProfileSection.Attitudinal),
        ("Rating", ProfileSection.Attitudinal),
        ("Sentiment", ProfileSection.Attitudinal),
        ("Email", ProfileSection.Engagement),
        ("Ad", ProfileSection.Engagement),
        ("Support", ProfileSection.Engagement),
        ("Ticket", ProfileSection.Engagement),
        ("Order", ProfileSection.Behavioral),
        ("Subscription", ProfileSection.Behavioral),
        ("Loyalty", ProfileSection.Behavioral),
    ];

    private static readonly (string Name, ProfileSection Section)[] DefaultTraits =
    [
        ("nps", ProfileSection.Attitudinal),
        ("nps_score", ProfileSection.Attitudinal),
        ("satisfaction", ProfileSection.Attitudinal),
        ("csat", ProfileSection.Attitudinal),
        ("sentiment", ProfileSection.Attitudinal),
        ("feedback", ProfileSection.Attitudinal),
        ("preferences", ProfileSection.Attitudinal),
        ("plan", ProfileSection.Behavioral),
        ("logins", ProfileSection.Behavioral),
        ("lifetime_value", ProfileSection.Behavioral),
        ("ltv", ProfileSection.Behavioral),
        ("loyalty_tier", ProfileSection.Behavioral),
        ("loyalty_points", ProfileSection.Behavioral),
        ("subscription_status", ProfileSection.Behavioral),
        ("total_orders", ProfileSection.Behavioral),
        ("device_type", ProfileSection.Behavioral),
        ("last_email_opened", ProfileSection.Engagement),
        ("email_opens", ProfileSection.Engagement),
        ("newsletter", ProfileSection.Engagement),
    ];

    private readonly Dictionary<string, ProfileSection> _events;
    private readonly (string Word, ProfileSection Section)[] _keywords;
    private readonly Dictionary<string, ProfileSection> _traits;
    private readonly ProfileSection _defaultEvent;
    private readonly ProfileSection _defaultTrait;

    public SectionMap(ProfileSectionMapping mapping)
    {
        ArgumentNullException.ThrowIfNull(mapping);
        _events = Build(DefaultEvents, mapping.Events);
        _traits = Build(DefaultTraits, mapping.Traits);
        _keywords =
        [
            .. mapping.EventKeywords.Select(k => (Canonical(k.Key), k.Value)),
            .. DefaultEventKeywords.Select(k => (Canonical(k.Word), k.Section)),
        ];
        _defaultEvent = mapping.DefaultEvent;
        _defaultTrait = mapping.DefaultTrait;
    }

    public static SectionMap Default { get; } = new(new ProfileSectionMapping());

    /// <summary>The section of an event: by exact name, then by a word it contains, then by its type.</summary>
    public ProfileSection ForEvent(EventType type, string? name) => type switch
    {
        EventType.Page or EventType.Screen => ProfileSection.Engagement,
        EventType.Identify or EventType.Alias or EventType.Group => ProfileSection.Personal,
        _ when name is null => _defaultEvent,
        _ => ForTrackEvent(name),
    };

    public ProfileSection ForTrait(string name) => TryLookup(_traits, name, out var section) ? section : _defaultTrait;

    private ProfileSection ForTrackEvent(string name)
    {
        if (TryLookup(_events, name, out var section))
        {
            return section;
        }

        foreach (var (word, keywordSection) in _keywords)
        {
            if (ContainsWord(name, word))
            {
                return keywordSection;
            }
        }

        return _defaultEvent;
    }

    // A keyword matches whole words only, so "Ad" places "Ad Clicked" but not "Address Added".
    private static bool ContainsWord(string name, string canonicalWord)
    {
        Span<char> buffer = stackalloc char[64];
        var start = 0;
        for (var i = 0; i <= name.Length; i++)
        {
            if (i == name.Length || !char.IsLetterOrDigit(name[i]))
            {
                var length = i - start;
                if (length == canonicalWord.Length && length <= buffer.Length &&
                    CanonicalInto(name.AsSpan(start, length), buffer).SequenceEqual(canonicalWord))
                {
                    return true;
                }

                start = i + 1;
            }
        }

        return false;
    }

    private static Dictionary<string, ProfileSection> Build(
        (string Name, ProfileSection Section)[] defaults, Dictionary<string, ProfileSection> configured)
    {
        var map = new Dictionary<string, ProfileSection>(StringComparer.Ordinal);
        foreach (var (name, section) in defaults)
        {
            map[Canonical(name)] = section;
        }

        foreach (var (name, section) in configured)
        {
            map[Canonical(name)] = section;
        }

        return map;
    }

    internal static string Canonical(ReadOnlySpan<char> name)
    {
        Span<char> buffer = name.Length <= 256 ? stackalloc char[name.Length] : new char[name.Length];
        return new string(CanonicalInto(name, buffer));
    }

    // Looks a name up without allocating its canonical form on the hot path.
    private static bool TryLookup(Dictionary<string, ProfileSection> map, string name, out ProfileSection section)
    {
        Span<char> buffer = name.Length <= 256 ? stackalloc char[name.Length] : new char[name.Length];
        return map.GetAlternateLookup<ReadOnlySpan<char>>().TryGetValue(CanonicalInto(name, buffer), out section);
    }

    private static ReadOnlySpan<char> CanonicalInto(ReadOnlySpan<char> name, Span<char> buffer)
    {
        var length = 0;
        foreach (var c in name)
        {
            if (c is not (' ' or '_' or '-' or '.'))
            {
                buffer[length++] = char.ToLowerInvariant(c);
            }
        }

        return buffer[..length];
    }
}
