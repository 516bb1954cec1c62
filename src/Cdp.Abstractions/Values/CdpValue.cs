using System.Globalization;

namespace Cdp;

/// <summary>The kind of a <see cref="CdpValue"/>: the six shapes a JSON value can take.</summary>
public enum CdpValueKind : byte
{
    Null = 0,
    Boolean = 1,
    Number = 2,
    String = 3,
    Array = 4,
    Object = 5,
}

/// <summary>
/// An immutable JSON-shaped value: the type of every trait, property and context entry.
/// Numbers are IEEE doubles, as in JSON; strings, booleans and numbers convert implicitly, so
/// <c>Traits = new() { ["plan"] = "pro", ["seats"] = 12 }</c> reads as it would in JSON.
/// </summary>
[GenerateSerializer, Immutable, Alias("cdp.value")]
public sealed class CdpValue : IEquatable<CdpValue>
{
    public static readonly CdpValue Null = new(CdpValueKind.Null);
    public static readonly CdpValue True = new(CdpValueKind.Boolean, 1, null, null, null);
    public static readonly CdpValue False = new(CdpValueKind.Boolean);

    [Id(0)] private readonly CdpValueKind _kind;
    [Id(1)] private readonly double _number;
    [Id(2)] private readonly string? _string;
    [Id(3)] private readonly CdpValue[]? _items;
    [Id(4)] private readonly Dictionary<string, CdpValue>? _fields;

    private CdpValue(CdpValueKind kind) => _kind = kind;

    private CdpValue(CdpValueKind kind, double number, string? text, CdpValue[]? items, Dictionary<string, CdpValue>? fields)
    {
        _kind = kind;
        _number = number;
        _string = text;
        _items = items;
        _fields = fields;
    }

    public CdpValueKind Kind => _kind;

    public bool IsNull => _kind == CdpValueKind.Null;

    public static CdpValue From(bool value) => value ? True : False;

    public static CdpValue From(double value)
    {
        if (!double.IsFinite(value))
        {
            throw new ArgumentOutOfRangeException(nameof(value), value, "A CdpValue number must be finite, as in JSON.");
        }

        return new CdpValue(CdpValueKind.Number, value, null, null, null);
    }

    public static CdpValue From(string? value) =>
        value is null ? Null : new CdpValue(CdpValueKind.String, 0, value, null, null);

    /// <summary>An array value. The array is kept, not copied: do not change it afterwards.</summary>
    public static CdpValue Array(params CdpValue[] items)
    {
        ArgumentNullException.ThrowIfNull(items);
        return new CdpValue(CdpValueKind.Array, 0, null, items, null);
    }

    /// <summary>An object value. The dictionary is kept, not copied: do not change it afterwards.</summary>
    public static CdpValue Object(Dictionary<string, CdpValue> fields)
    {
        ArgumentNullException.ThrowIfNull(fields);
        return new CdpValue(CdpValueKind.Object, 0, null, null, fields);
    }

    public static implicit operator CdpValue(string? value) => From(value);

    public static implicit operator CdpValue(bool value) => From(value);

    public static implicit operator CdpValue(double value) => From(value);

    public static implicit operator CdpValue(int value) => From(value);

    public static implicit operator CdpValue(long value) => From(value);

    public static implicit operator CdpValue(decimal value) => From((double)value);

    /// <summary>Dates travel as ISO 8601 strings, as in the Segment spec.</summary>
    public static implicit operator CdpValue(DateTimeOffset value) =>
        From(value.ToString("O", CultureInfo.InvariantCulture));

    public bool AsBoolean() => _kind == CdpValueKind.Boolean ? _number != 0 : throw WrongKind(CdpValueKind.Boolean);

    public double AsNumber() => _kind == CdpValueKind.Number ? _number : throw WrongKind(CdpValueKind.Number);

    public string AsString() => _kind == CdpValueKind.String ? _string! : throw WrongKind(CdpValueKind.String);

    public IReadOnlyList<CdpValue> AsArray() => _kind == CdpValueKind.Array ? _items! : throw WrongKind(CdpValueKind.Array);

    public IReadOnlyDictionary<string, CdpValue> AsObject() =>
        _kind == CdpValueKind.Object ? _fields! : throw WrongKind(CdpValueKind.Object);

    public bool TryGetNumber(out double value)
    {
        value = _number;
        return _kind == CdpValueKind.Number;
    }

    public bool TryGetString(out string value)
    {
        value = _string ?? "";
        return _kind == CdpValueKind.String;
    }

    /// <summary>The member <paramref name="name"/> of an object value, or null when absent or not an object.</summary>
    public CdpValue? this[string name] =>
        _kind == CdpValueKind.Object && _fields!.TryGetValue(name, out var value) ? value : null;

    public bool Equals(CdpValue? other)
    {
        if (ReferenceEquals(this, other))
        {
            return true;
        }

        if (other is null || other._kind != _kind)
        {
            return false;
        }

        switch (_kind)
        {
            case CdpValueKind.Null:
                return true;
            case CdpValueKind.Boolean:
            case CdpValueKind.Number:
                return _number.Equals(other._number);
            case CdpValueKind.String:
                return string.Equals(_string, other._string, StringComparison.Ordinal);
            case CdpValueKind.Array:
                return _items!.AsSpan().SequenceEqual(other._items);
            default:
                if (_fields!.Count != other._fields!.Count)
                {
                    return false;
                }

                foreach (var (key, value) in _fields)
                {
                    if (!other._fields.TryGetValue(key, out var otherValue) || !value.Equals(otherValue))
                    {
                        return false;
                    }
                }

                return true;
        }
    }

    public override bool Equals(object? obj) => obj is CdpValue other && Equals(other);

    public override int GetHashCode() => _kind switch
    {
        CdpValueKind.Boolean or CdpValueKind.Number => HashCode.Combine(_kind, _number),
        CdpValueKind.String => HashCode.Combine(_kind, StringComparer.Ordinal.GetHashCode(_string!)),
        CdpValueKind.Array => HashCode.Combine(_kind, _items!.Length),
        CdpValueKind.Object => HashCode.Combine(_kind, _fields!.Count),
        _ => 0,
    };

    /// <summary>The value as compact JSON.</summary>
    public override string ToString() => CdpJson.ToJson(this);

    private InvalidOperationException WrongKind(CdpValueKind wanted) =>
        new($"The value is {_kind}, not {wanted}.");
}
