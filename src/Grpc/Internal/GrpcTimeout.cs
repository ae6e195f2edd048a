// The grpc-timeout header: at most 8 ASCII digits and a unit (H M S m u n), parsed and formatted.
using System.Globalization;

namespace Mesh.Grpc.Internal;

internal static class GrpcTimeout
{
    private const long MaxValue = 99_999_999;

    /// <summary>Timer APIs accept at most this delay; a longer deadline is kept but never fires.</summary>
    public static readonly TimeSpan MaxTimerDelay = TimeSpan.FromMilliseconds(uint.MaxValue - 1);

    public static bool TryParse(string? header, out TimeSpan timeout)
    {
        timeout = default;
        if (header is null || header.Length < 2 || header.Length > 9)
        {
            return false;
        }

        long value = 0;
        for (var i = 0; i < header.Length - 1; i++)
        {
            var digit = header[i] - '0';
            if ((uint)digit > 9)
            {
                return false;
            }

            value = (value * 10) + digit;
        }

        long? ticks = header[^1] switch
        {
            'H' => value * TimeSpan.TicksPerHour,
            'M' => value * TimeSpan.TicksPerMinute,
            'S' => value * TimeSpan.TicksPerSecond,
            'm' => value * TimeSpan.TicksPerMillisecond,
            'u' => value * 10,
            'n' => value / 100,
            _ => null,
        };
        if (ticks is null)
        {
            return false;
        }

        timeout = TimeSpan.FromTicks(ticks.Value);
        return true;
    }

    /// <summary>The finest unit that fits in 8 digits, rounded up so the server never sees a shorter deadline than ours.</summary>
    public static string Format(TimeSpan timeout)
    {
        var ticks = Math.Max(timeout.Ticks, 1);
        var millis = CeilingDivide(ticks, TimeSpan.TicksPerMillisecond);
        if (millis <= MaxValue)
        {
            return millis.ToString(CultureInfo.InvariantCulture) + "m";
        }

        var seconds = CeilingDivide(ticks, TimeSpan.TicksPerSecond);
        if (seconds <= MaxValue)
        {
            return seconds.ToString(CultureInfo.InvariantCulture) + "S";
        }

        var minutes = CeilingDivide(ticks, TimeSpan.TicksPerMinute);
        if (minutes <= MaxValue)
        {
            return minutes.ToString(CultureInfo.InvariantCulture) + "M";
        }

        return Math.Min(CeilingDivide(ticks, TimeSpan.TicksPerHour), MaxValue).ToString(CultureInfo.InvariantCulture) + "H";
    }

    private static long CeilingDivide(long value, long divisor) => (value + divisor - 1) / divisor;
}
