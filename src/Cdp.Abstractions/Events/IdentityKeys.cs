using System.Security.Cryptography;
using System.Text;

namespace Cdp;

/// <summary>Keys of identity grains, shared by silos and clients so both find the same grain.</summary>
public static class IdentityKeys
{
    private const int MaxPlainValue = 200;

    /// <summary>
    /// The identity grain key of an identifier: <c>type:value</c> after normalization. A value longer than
    /// 200 characters, or holding characters that storage keys forbid or mangle (anything outside printable
    /// ASCII, and <c>/ \ # ?</c>), is replaced by its SHA-256 digest: <c>type:#sha256:hex</c>.
    /// </summary>
    public static string Of(ExternalId id)
    {
        if (string.IsNullOrWhiteSpace(id.Type) || string.IsNullOrEmpty(id.Value))
        {
            throw new ArgumentException("An identifier needs a type and a value.", nameof(id));
        }

        var normalized = id.Normalize();
        if (normalized.Value.Length <= MaxPlainValue && IsPlain(normalized.Value))
        {
            return string.Concat(normalized.Type, ":", normalized.Value);
        }

        var digest = SHA256.HashData(Encoding.UTF8.GetBytes(normalized.Value));
        return string.Concat(normalized.Type, ":#sha256:", Convert.ToHexStringLower(digest));
    }

    private static bool IsPlain(string value)
    {
        foreach (var c in value)
        {
            if (c is < ' ' or > '~' or '/' or '\\' or '#' or '?')
            {
                return false;
            }
        }

        return true;
    }
}
