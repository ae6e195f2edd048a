namespace Mesh.Injection;

/// <summary>
/// The capture init container's arguments: Istio's istio-iptables flags, with the <c>traffic.sidecar.istio.io/*</c>
/// annotations mapped to the same flags Istio's template maps them to (-i, -x, -b, -d, -q, -o, -k, -c).
/// </summary>
internal static class CaptureArguments
{
    /// <param name="statusPort">The proxy's status port, kept out of capture as Istio's template does; 0: none.</param>
    public static List<string> For(IDictionary<string, string>? annotations, int statusPort)
    {
        annotations ??= new Dictionary<string, string>();
        var args = new List<string>
        {
            "iptables",
            "-p", ProxyPorts.Outbound.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-z", ProxyPorts.Inbound.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-u", ProxyPorts.ProxyUid.ToString(System.Globalization.CultureInfo.InvariantCulture),
            "-m", "REDIRECT",
            "-i", Annotation(annotations, PodAnnotations.IncludeOutboundIpRanges, "*"),
            "-x", Annotation(annotations, PodAnnotations.ExcludeOutboundIpRanges, ""),
            "-b", Annotation(annotations, PodAnnotations.IncludeInboundPorts, "*"),
            "-d", $"{ProxyPorts.Metrics},{ProxyPorts.Readiness},{ExcludeStatusPort(Annotation(annotations, PodAnnotations.ExcludeInboundPorts, ""), statusPort)}",
        };
        AddIfPresent(args, annotations, PodAnnotations.IncludeOutboundPorts, "-q");
        AddIfPresent(args, annotations, PodAnnotations.ExcludeOutboundPorts, "-o");
        AddIfPresent(args, annotations, PodAnnotations.KubevirtInterfaces, "-k");
        AddIfPresent(args, annotations, PodAnnotations.ExcludeInterfaces, "-c");
        return args;
    }

    private static string Annotation(IDictionary<string, string> annotations, string key, string fallback) =>
        annotations.TryGetValue(key, out var value) ? value : fallback;

    private static void AddIfPresent(List<string> args, IDictionary<string, string> annotations, string key, string flag)
    {
        if (annotations.TryGetValue(key, out var value))
        {
            args.Add(flag);
            args.Add(value);
        }
    }

    /// <summary>Istio's excludeInboundPort: the user's excluded inbound ports with the status port added once.</summary>
    private static string ExcludeStatusPort(string excluded, int statusPort)
    {
        if (statusPort == 0)
        {
            return excluded;
        }

        var status = statusPort.ToString(System.Globalization.CultureInfo.InvariantCulture);
        var ports = new List<string>();
        foreach (var part in excluded.Split(','))
        {
            var port = part.Trim();
            if (port == status)
            {
                return excluded;
            }

            if (port.Length > 0)
            {
                ports.Add(port);
            }
        }

        ports.Add(status);
        return string.Join(',', ports);
    }
}
