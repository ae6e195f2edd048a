// The listener limits on the proxy's command line: the connection cap, the deadlines of each stage of a connection, the stream idle timeout.
using System.Globalization;

namespace Mesh.Proxy.Listeners;

internal static class ListenerCommandLine
{
    public const string Usage = """
        listener limits (both modes, per listener; docs/proxy.md "Limits"):
          [--max-connections-per-listener N (default 10000; 0: no cap)]
          [--listener-filters-timeout SECONDS (default 15)] [--tls-handshake-timeout SECONDS (default 10)]
          [--request-headers-timeout SECONDS (default 30)] [--idle-timeout SECONDS (default 3600)]
          [--stream-idle-timeout SECONDS (default 600)]
          [--termination-drain-duration SECONDS (default 5; 0: none; Istio's ProxyConfig terminationDrainDuration)]
        """;

    public static readonly string[] Flags =
        ["--max-connections-per-listener", "--listener-filters-timeout", "--tls-handshake-timeout", "--request-headers-timeout", "--idle-timeout",
         "--stream-idle-timeout", "--termination-drain-duration"];

    /// <summary>Adds the listener limits to <paramref name="options"/>, or returns null with <paramref name="error"/>.</summary>
    public static ProxyOptions? TryApply(ProxyOptions? options, IReadOnlyDictionary<string, string> values, out string error)
    {
        error = string.Empty;
        if (options is null)
        {
            return null;
        }

        var limits = new ListenerLimits();
        if (values.TryGetValue("--max-connections-per-listener", out var text))
        {
            if (!int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var max))
            {
                error = $"--max-connections-per-listener '{text}': expected a whole number of connections (0: no cap)";
                return null;
            }

            limits = limits with { MaxConnections = max };
        }

        if (!TrySeconds(values, "--listener-filters-timeout", limits.ListenerFiltersTimeout, out var filters, ref error)
            || !TrySeconds(values, "--tls-handshake-timeout", limits.TlsHandshakeTimeout, out var handshake, ref error)
            || !TrySeconds(values, "--request-headers-timeout", limits.RequestHeadersTimeout, out var headers, ref error)
            || !TrySeconds(values, "--idle-timeout", limits.IdleTimeout, out var idle, ref error)
            || !TrySeconds(values, "--stream-idle-timeout", limits.StreamIdleTimeout, out var streamIdle, ref error))
        {
            return null;
        }

        if (!TryDrainDuration(values, limits.TerminationDrainDuration, out var drain, ref error))
        {
            return null;
        }

        return options with
        {
            Listeners = limits with
            {
                ListenerFiltersTimeout = filters, TlsHandshakeTimeout = handshake, RequestHeadersTimeout = headers, IdleTimeout = idle,
                StreamIdleTimeout = streamIdle, TerminationDrainDuration = drain,
            },
        };
    }

    private static bool TrySeconds(IReadOnlyDictionary<string, string> values, string flag, TimeSpan fallback, out TimeSpan value, ref string error)
    {
        value = fallback;
        if (!values.TryGetValue(flag, out var text))
        {
            return true;
        }

        // Fractions are allowed (tests use short deadlines); a day is more than any of these stages should ever take.
        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds is <= 0 or > 86_400)
        {
            error = $"{flag} '{text}': expected a number of seconds, more than 0 and at most 86400";
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }

    /// <summary>Seconds like the other flags, but 0 is allowed: no drain at all.</summary>
    private static bool TryDrainDuration(IReadOnlyDictionary<string, string> values, TimeSpan fallback, out TimeSpan value, ref string error)
    {
        value = fallback;
        if (!values.TryGetValue("--termination-drain-duration", out var text))
        {
            return true;
        }

        if (!double.TryParse(text, NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds) || seconds > 86_400)
        {
            error = $"--termination-drain-duration '{text}': expected a number of seconds, from 0 to 86400";
            return false;
        }

        value = TimeSpan.FromSeconds(seconds);
        return true;
    }
}
