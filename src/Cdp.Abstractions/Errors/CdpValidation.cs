namespace Cdp;

/// <summary>The rule an input broke. Stable: clients may switch on it.</summary>
public enum CdpValidationRule
{
    /// <summary>A field that must be present is missing or empty.</summary>
    Required = 1,

    /// <summary>The event type is not one of identify, track, page, screen, group, alias.</summary>
    UnknownType = 2,

    /// <summary>A serialized size is over its limit.</summary>
    TooLarge = 3,

    /// <summary>Objects or arrays are nested deeper than the limit.</summary>
    TooDeep = 4,

    /// <summary>A date that does not parse, or lies outside the accepted range.</summary>
    InvalidDate = 5,

    /// <summary>A string is longer than its limit.</summary>
    TooLong = 6,

    /// <summary>A value does not have the expected form (e.g. an identifier type with spaces).</summary>
    InvalidFormat = 7,

    /// <summary>More items than the limit (e.g. identifiers on one event).</summary>
    TooMany = 8,

    /// <summary>A JSON value of the wrong kind (a number where a string belongs, …).</summary>
    WrongType = 9,

    /// <summary>The input is not well-formed JSON.</summary>
    MalformedJson = 10,

    /// <summary>A number or duration outside its allowed range.</summary>
    OutOfRange = 11,

    /// <summary>Every identifier of an event is a blocked value (such as <c>null</c> or <c>anonymous</c>).</summary>
    BlockedIdentifier = 12,

    /// <summary>A name or id that refers to nothing (an unknown journal entry, …).</summary>
    NotFound = 13,

    /// <summary>The request does not fit the current state (a merge that was already undone, …).</summary>
    Conflict = 14,
}

/// <summary>One broken rule: the field (a path such as <c>traits.address.street</c>), the rule, and a sentence.</summary>
[GenerateSerializer, Immutable, Alias("cdp.validation-error")]
public sealed record CdpValidationError(
    [property: Id(0)] string Field,
    [property: Id(1)] CdpValidationRule Rule,
    [property: Id(2)] string Message)
{
    /// <summary>The position of the event in its batch, when the input was a batch.</summary>
    [Id(3)] public int? EventIndex { get; init; }

    public override string ToString() =>
        EventIndex is { } index ? $"events[{index}].{Field}: {Message}" : $"{Field}: {Message}";
}

/// <summary>Input was refused; nothing was changed. <see cref="Errors"/> lists every broken rule found.</summary>
[GenerateSerializer, Alias("cdp.validation-exception")]
public sealed class CdpValidationException : Exception
{
    public CdpValidationException(IReadOnlyList<CdpValidationError> errors)
        : base(Describe(errors)) => Errors = errors;

    public CdpValidationException(CdpValidationError error)
        : this([error])
    {
    }

    public CdpValidationException()
        : this([])
    {
    }

    public CdpValidationException(string message)
        : base(message) => Errors = [];

    public CdpValidationException(string message, Exception innerException)
        : base(message, innerException) => Errors = [];

    [Id(0)] public IReadOnlyList<CdpValidationError> Errors { get; private set; }

    private static string Describe(IReadOnlyList<CdpValidationError> errors) => errors.Count switch
    {
        0 => "The input was refused.",
        1 => "The input was refused: " + errors[0],
        _ => $"The input was refused ({errors.Count} problems): " + string.Join("; ", errors),
    };
}
