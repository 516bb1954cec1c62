using Cdp.Grains.Ingest;

namespace Cdp.UnitTests;

public sealed class RouteCacheTests
{
    private static readonly ExternalId User = new(IdentifierTypes.UserId, "u-1");
    private static readonly ExternalId Email = new(IdentifierTypes.Email, "ada@example.com");

    [Fact]
    public void Find_AnswersOnlyWhenEveryIdentifierIsRememberedForTheSameCustomer()
    {
        var routes = new RouteCache(100);
        routes.Remember([User], "c-1");

        Assert.Equal("c-1", routes.Find([User]));
        Assert.Null(routes.Find([User, Email]));

        routes.Remember([Email], "c-2");
        Assert.Null(routes.Find([User, Email]));

        routes.Remember([Email], "c-1");
        Assert.Equal("c-1", routes.Find([Email, User]));
        Assert.Null(routes.Find([]));
    }

    [Fact]
    public void Forget_DropsTheIdentifiers_AndForgetStaleCountsOnce()
    {
        var routes = new RouteCache(100);
        routes.Remember([User, Email], "c-1");

        routes.ForgetStale([User, Email]);

        Assert.Null(routes.Find([User]));
        Assert.Null(routes.Find([Email]));
        Assert.Equal((0L, 1L), routes.Totals);
    }

    [Fact]
    public void Capacity_BoundsWhatIsKept_AndARecentlyFoundIdentifierOutlivesTheOthers()
    {
        var routes = new RouteCache(10);
        var ids = Enumerable.Range(0, 30).Select(i => new ExternalId(IdentifierTypes.UserId, $"u-{i}")).ToArray();

        for (var i = 0; i < ids.Length; i++)
        {
            routes.Remember([ids[i]], $"c-{i}");

            // The first identifier is in use all along: each find keeps it in the newer generation.
            Assert.Equal("c-0", routes.Find([ids[0]]));
        }

        Assert.InRange(routes.Count, 1, 10);
        Assert.Equal("c-29", routes.Find([ids[29]]));
        Assert.Null(routes.Find([ids[1]]));
    }

    [Fact]
    public void ZeroCapacity_RemembersNothing()
    {
        var routes = new RouteCache(0);

        routes.Remember([User], "c-1");

        Assert.Null(routes.Find([User]));
        Assert.Equal(0, routes.Count);
    }
}
