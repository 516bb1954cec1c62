using Cdp.Grains.Hosting;

namespace Cdp.UnitTests.Segments;

public sealed class SegmentOptionsValidationTests
{
    [Fact]
    public void Defaults_AreValid()
    {
        Assert.True(new CdpSegmentOptionsValidator().Validate(null, new CdpSegmentOptions()).Succeeded);
    }

    [Theory]
    [InlineData(99)]
    [InlineData(20_001)]
    public void SnapshotPageSize_OutsideItsRange_IsNamedWithTheRange(int pageSize)
    {
        var result = new CdpSegmentOptionsValidator().Validate(null, new CdpSegmentOptions { SnapshotPageSize = pageSize });

        Assert.Equal([$"Cdp:Segments:SnapshotPageSize is {pageSize}; it must be between 100 and 20000."], result.Failures);
    }
}
