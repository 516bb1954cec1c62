using System.Text.Json.Serialization;

namespace Cdp;

/// <summary>What a definition produces.</summary>
public enum DefinitionKind : byte
{
    /// <summary>A membership kept on the profile; entering and leaving are published.</summary>
    [JsonStringEnumMemberName("segment")] Segment = 1,

    /// <summary>A condition whose becoming true is published as a firing (cart abandonment, …).</summary>
    [JsonStringEnumMemberName("trigger")] Trigger = 2,

    /// <summary>A value kept on the profile from events (see <see cref="ComputedTraitSpec"/>).</summary>
    [JsonStringEnumMemberName("computed_trait")] ComputedTrait = 3,
}

/// <summary>
/// A segment, trigger or computed trait, as the catalog stores it. Give the tree (<see cref="Condition"/> or
/// <see cref="Computed"/>) or its text form (<see cref="Text"/>), not both; the catalog parses text into the tree
/// and keeps both. Validated when saved: a broken definition throws <see cref="CdpValidationException"/> naming the
/// place (a JSON path, or the text column), and nothing is saved.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.definition")]
public sealed record SegmentDefinition
{
    /// <summary>Letters, digits, '_', '-' and '.'; at most 64. The stream key of its messages.</summary>
    [Id(0)] public required string Id { get; init; }

    [Id(1)] public DefinitionKind Kind { get; init; } = DefinitionKind.Segment;

    /// <summary>A readable name; at most 200 characters.</summary>
    [Id(2)] public string Name { get; init; } = "";

    /// <summary>Set by the catalog: 1 when created, one more at each update. An update passes the version it read.</summary>
    [Id(3)] public long Version { get; init; }

    /// <summary>The consent purpose the definition serves: only customers who granted it are published.</summary>
    [Id(4)] public required string Purpose { get; init; }

    /// <summary>The condition of a segment or trigger.</summary>
    [Id(5)] public Condition? Condition { get; init; }

    /// <summary>What a computed trait computes.</summary>
    [Id(6)] public ComputedTraitSpec? Computed { get; init; }

    /// <summary>The text form of <see cref="Condition"/> or <see cref="Computed"/>.</summary>
    [Id(7)] public string? Text { get; init; }

    /// <summary>The identifier types whose values published messages carry.</summary>
    [Id(8)] public string[] ExportIdentifiers { get; init; } = [];

    /// <summary>The traits whose values published messages carry.</summary>
    [Id(9)] public string[] ExportTraits { get; init; } = [];

    /// <summary>
    /// Whether customers who already qualify when the definition is created or changed are announced (entered or
    /// fired) as they are evaluated. Default: true.
    /// </summary>
    [Id(10)] public bool AnnounceExisting { get; init; } = true;

    /// <summary>Set by the catalog: when this version was saved.</summary>
    [Id(11)] public DateTimeOffset UpdatedAt { get; init; }
}

/// <summary>Every definition of the catalog at one catalog version.</summary>
[GenerateSerializer, Immutable, Alias("cdp.definition-catalog")]
public sealed record DefinitionCatalog(
    [property: Id(0)] long Version,
    [property: Id(1)] SegmentDefinition[] Definitions);
