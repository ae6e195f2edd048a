using System.Text;

namespace Mesh.Proxy.Observability;

/// <summary>Writes response flags the way Envoy's access log does ("-" when none, else e.g. "UF,URX").</summary>
internal static class ResponseFlagsFormatter
{
    private static readonly (ResponseFlags Flag, string Code)[] Codes =
    [
        (ResponseFlags.NoRouteFound, "NR"),
        (ResponseFlags.NoHealthyUpstream, "UH"),
        (ResponseFlags.NoClusterFound, "NC"),
        (ResponseFlags.UpstreamConnectionFailure, "UF"),
        (ResponseFlags.UpstreamRetryLimitExceeded, "URX"),
        (ResponseFlags.UpstreamRequestTimeout, "UT"),
        (ResponseFlags.DownstreamConnectionTermination, "DC"),
        (ResponseFlags.UpstreamConnectionTermination, "UC"),
        (ResponseFlags.DownstreamProtocolError, "DPE"),
        (ResponseFlags.StreamIdleTimeout, "SI"),
        (ResponseFlags.OverloadManager, "OM"),
        (ResponseFlags.FaultInjected, "FI"),
        (ResponseFlags.DelayInjected, "DI"),
        (ResponseFlags.UpstreamOverflow, "UO"),
    ];

    /// <summary>How many combinations the flags have: they are consecutive bits from 1, one per code.</summary>
    public static int Combinations => 1 << Codes.Length;

    public static string Format(ResponseFlags flags)
    {
        if (flags == ResponseFlags.None)
        {
            return "-";
        }

        var builder = new StringBuilder();
        foreach (var (flag, code) in Codes)
        {
            if ((flags & flag) != 0)
            {
                builder.Append(builder.Length == 0 ? string.Empty : ",").Append(code);
            }
        }

        return builder.ToString();
    }
}
