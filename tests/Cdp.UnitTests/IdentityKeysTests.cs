using System.Security.Cryptography;
using System.Text;

namespace Cdp.UnitTests;

public sealed class IdentityKeysTests
{
    private const string DigestPrefix = "crm_id:#sha256:";

    [Fact]
    public void Of_ShortValue_IsTypeColonValue()
    {
        Assert.Equal("crm_id:C-42", IdentityKeys.Of(new ExternalId("crm_id", "C-42")));
    }

    [Fact]
    public void Of_ValueOf200Characters_StaysPlain()
    {
        var value = new string('v', 200);

        Assert.Equal("crm_id:" + value, IdentityKeys.Of(new ExternalId("crm_id", value)));
    }

    [Fact]
    public void Of_ValueOf300Characters_IsReplacedBySha256Digest()
    {
        var value = string.Concat(Enumerable.Range(0, 30).Select(i => $"segment{i:D2}-"));
        Assert.Equal(300, value.Length);

        var key = IdentityKeys.Of(new ExternalId("crm_id", value));

        Assert.Equal(DigestPrefix + Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(value))), key);
        Assert.Equal(DigestPrefix.Length + 64, key.Length);
        Assert.Matches("^crm_id:#sha256:[0-9a-f]{64}$", key);
    }

    [Fact]
    public void Of_EqualLongValues_GiveEqualKeys()
    {
        var first = new string('x', 150) + new string('y', 150);
        var second = new StringBuilder().Append('x', 150).Append('y', 150).ToString();
        Assert.NotSame(first, second);

        Assert.Equal(IdentityKeys.Of(new ExternalId("crm_id", first)), IdentityKeys.Of(new ExternalId("crm_id", second)));
    }

    [Fact]
    public void Of_LongValuesDifferingInLastCharacter_GiveDifferentKeys()
    {
        var first = new string('x', 299) + "1";
        var second = new string('x', 299) + "2";

        Assert.NotEqual(IdentityKeys.Of(new ExternalId("crm_id", first)), IdentityKeys.Of(new ExternalId("crm_id", second)));
    }

    [Fact]
    public void Of_EmailSpellings_GiveTheSameKey()
    {
        var spelled = IdentityKeys.Of(new ExternalId("Email", "  Ada@Example.COM "));
        var plain = IdentityKeys.Of(new ExternalId("email", "ada@example.com"));

        Assert.Equal("email:ada@example.com", spelled);
        Assert.Equal(plain, spelled);
    }

    [Fact]
    public void Of_UserIdsDifferingInCase_GiveDifferentKeys()
    {
        Assert.Equal("user_id:Ada", IdentityKeys.Of(new ExternalId("user_id", "Ada")));
        Assert.Equal("user_id:ada", IdentityKeys.Of(new ExternalId("user_id", "ada")));
    }

    [Theory]
    [InlineData("crm_id", "")]
    [InlineData("", "C-1")]
    [InlineData("  ", "C-1")]
    public void Of_MissingTypeOrValue_ThrowsArgumentException(string type, string value)
    {
        var exception = Assert.Throws<ArgumentException>(() => IdentityKeys.Of(new ExternalId(type, value)));

        Assert.Equal("id", exception.ParamName);
    }
}
