// The grpc-timeout header codec: every unit, the 8-digit limit, and rounding on the way out.
using Mesh.Grpc.Internal;

namespace Mesh.Grpc.Tests;

public sealed class GrpcTimeoutTests
{
    [Theory]
    [InlineData("2H", 2 * TimeSpan.TicksPerHour)]
    [InlineData("3M", 3 * TimeSpan.TicksPerMinute)]
    [InlineData("5S", 5 * TimeSpan.TicksPerSecond)]
    [InlineData("250m", 250 * TimeSpan.TicksPerMillisecond)]
    [InlineData("1500u", 15_000)]
    [InlineData("99999999n", 999_999)]
    [InlineData("0m", 0)]
    public void TryParse_EachUnit_ReturnsDuration(string header, long expectedTicks)
    {
        Assert.True(GrpcTimeout.TryParse(header, out var timeout));
        Assert.Equal(expectedTicks, timeout.Ticks);
    }

    [Theory]
    [InlineData("")]
    [InlineData("m")]
    [InlineData("10")]
    [InlineData("10s")]
    [InlineData("-1S")]
    [InlineData("1.5S")]
    [InlineData("123456789S")]
    [InlineData(" 1S")]
    public void TryParse_Malformed_ReturnsFalse(string header)
    {
        Assert.False(GrpcTimeout.TryParse(header, out _));
    }

    [Theory]
    [InlineData(1500 * TimeSpan.TicksPerMillisecond, "1500m")]
    [InlineData(1, "1m")]
    [InlineData(0, "1m")]
    [InlineData(200_000 * TimeSpan.TicksPerSecond, "200000S")]
    [InlineData(1_000_000 * TimeSpan.TicksPerSecond, "1000000S")]
    public void Format_PicksFinestUnitThatFits_RoundingUp(long ticks, string expected)
    {
        var formatted = GrpcTimeout.Format(TimeSpan.FromTicks(ticks));

        Assert.Equal(expected, formatted);
        Assert.True(formatted.Length <= 9, $"'{formatted}' has more than 8 digits");
        Assert.True(GrpcTimeout.TryParse(formatted, out var parsed));
        Assert.True(parsed.Ticks >= ticks);
    }
}
