using System.Security.Cryptography;
using System.Text;
using Cdp.Grains.Hosting;
using Microsoft.Extensions.Options;

namespace Cdp.Grains.Privacy;

/// <summary>
/// Salted hashes of identifiers: HMAC-SHA256 keyed with <c>Cdp:Privacy:SuppressionSalt</c> over the identity key
/// (<c>type:value</c>, normalized), as lower-case hex. Without the salt a hash cannot be tested against guessed
/// emails or phone numbers, which is what keeps suppression records and erasure notices free of personal data.
/// </summary>
public sealed class IdentifierHasher(IOptions<CdpPrivacyOptions> options)
{
    private readonly byte[] _key = Encoding.UTF8.GetBytes(options.Value.EffectiveSalt);

    public string Hash(ExternalId id)
    {
        Span<byte> digest = stackalloc byte[HMACSHA256.HashSizeInBytes];
        HMACSHA256.HashData(_key, Encoding.UTF8.GetBytes(IdentityKeys.Of(id)), digest);
        return Convert.ToHexStringLower(digest);
    }
}

/// <summary>
/// The check the resolver makes for identifiers seen for the first time (those that no customer holds): is any
/// of them erased, or being erased? Known customers' events never reach it.
/// </summary>
public sealed class SuppressionCheck(IdentifierHasher hasher)
{
    public async Task<bool> AnySuppressedAsync(IGrainFactory grains, IEnumerable<ExternalId> unowned)
    {
        var lookups = unowned.Select(id => grains.GetGrain<ISuppressionGrain>(hasher.Hash(id)).GetAsync()).ToList();
        var records = await Task.WhenAll(lookups);
        return Array.Exists(records, r => r.RequestId is not null);
    }
}
