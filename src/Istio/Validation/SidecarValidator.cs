using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>
/// Istio's ValidateSidecar: a selector with labels, something configured, ingress listeners with unique ports, egress
/// listeners with unique ports (one without a port, last) whose hosts are <c>namespace/dnsName</c>, and an egressProxy
/// only under ALLOW_ANY.
/// </summary>
internal static class SidecarValidator
{
    private const string UnixPrefix = "unix://";

    public static void Validate(SidecarSpec spec, string ns, FieldProblems p)
    {
        if (spec.WorkloadSelector is { } selector)
        {
            if (selector.Labels.Count == 0)
            {
                p.Warning("spec.workloadSelector", "sidecar: workload selector specified without labels, will be applied to all services in namespace");
            }

            CommonRules.Selector(selector.Labels, "spec.workloadSelector.labels", p);
        }

        if (spec.Egress.Count == 0 && spec.Ingress.Count == 0 && spec.OutboundTrafficPolicy is null && spec.InboundConnectionPool is null)
        {
            p.Error("spec", "Required value: sidecar: empty configuration provided");
            return;
        }

        var ingressPorts = new HashSet<uint>();
        for (var i = 0; i < spec.Ingress.Count; i++)
        {
            Ingress(spec.Ingress[i], FieldPaths.Index("spec.ingress", i), ingressPorts, p);
        }

        DestinationRuleValidator.ConnectionPool(spec.InboundConnectionPool, "spec.inboundConnectionPool", p);
        var egressPorts = new HashSet<uint>();
        for (var i = 0; i < spec.Egress.Count; i++)
        {
            var path = FieldPaths.Index("spec.egress", i);
            var egress = spec.Egress[i];
            if (egress.Port is null)
            {
                // One catch-all listener, the last: the ones with ports take their port first.
                if (i != spec.Egress.Count - 1)
                {
                    p.Error(FieldPaths.Field(path, "port"), "Required value: sidecar: the egress listener with empty port should be the last listener in the list");
                }
            }
            else
            {
                EgressPort(egress.Port, egress.Bind, egress.CaptureMode, path, egressPorts, p);
            }

            Hosts(egress.Hosts, ns, FieldPaths.Field(path, "hosts"), p);
        }

        OutboundTrafficPolicy(spec.OutboundTrafficPolicy, p);
    }

    /// <summary>Istio's ValidateNamespaceSlashWildcardHostname for sidecars, and its duplicate warnings.</summary>
    private static void Hosts(IReadOnlyList<string> hosts, string ns, string path, FieldProblems p)
    {
        if (hosts.Count == 0)
        {
            p.Error(path, "Required value: sidecar: egress listener must contain at least one host");
            return;
        }

        var byNamespace = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        for (var h = 0; h < hosts.Count; h++)
        {
            var host = hosts[h];
            var hostPath = FieldPaths.Index(path, h);
            var slash = host.IndexOf('/');
            if (slash < 0)
            {
                p.Error(hostPath, $"Invalid value: \"{host}\": host must be of form namespace/dnsName");
                continue;
            }

            var hostNamespace = host[..slash];
            var dnsName = host[(slash + 1)..];
            if (hostNamespace.Length == 0 || dnsName.Length == 0)
            {
                p.Error(hostPath, $"Invalid value: \"{host}\": config namespace and dnsName in host entry cannot be empty");
                continue;
            }

            if (hostNamespace is not ("*" or "." or "~") && !IstioNameRules.IsDns1123Label(hostNamespace))
            {
                p.Error(hostPath, $"Invalid value: \"{host}\": invalid namespace value \"{hostNamespace}\" in sidecar; must be '*', '.', '~' or a namespace name");
                continue;
            }

            if (IstioNameRules.CheckWildcardDomain(dnsName) is { } error)
            {
                p.Error(hostPath, $"Invalid value: \"{host}\": {error}");
                continue;
            }

            var key = hostNamespace == "." ? ns : hostNamespace;
            if (!byNamespace.TryGetValue(key, out var names)) byNamespace[key] = names = new HashSet<string>(StringComparer.Ordinal);
            if (dnsName == "*" ? names.Count > 0 : names.Contains(dnsName) || names.Contains("*"))
            {
                p.Warning(hostPath, $"duplicated egress host: {host}");
            }

            names.Add(dnsName);
        }

        if (byNamespace.TryGetValue("*", out var any) && any.Contains("*") && byNamespace.Count != 1)
        {
            p.Warning(path, "`*/*` host select all resources, no other hosts can be added");
        }
    }

    private static void EgressPort(Port port, string? bind, CaptureMode? captureMode, string path, HashSet<uint> ports, FieldProblems p)
    {
        var portPath = FieldPaths.Field(path, "port");
        if (port.TargetPort is > 0)
        {
            p.Error(FieldPaths.Field(portPath, "targetPort"), "Invalid value: targetPort has no impact on Sidecars");
        }

        Protocol(port.Protocol, FieldPaths.Field(portPath, "protocol"), p);
        if (port.Number is 0)
        {
            // A Unix domain socket listener: its address is the bind.
            if (bind is null || !bind.StartsWith(UnixPrefix, StringComparison.Ordinal))
            {
                p.Error(FieldPaths.Field(path, "bind"), "Required value: sidecar: ports with 0 value must have a unix domain socket bind address");
            }

            if (captureMode is not (null or CaptureMode.Default or CaptureMode.None))
            {
                p.Error(FieldPaths.Field(path, "captureMode"), "Invalid value: sidecar: captureMode must be DEFAULT/NONE for unix domain socket listeners");
            }

            return;
        }

        if (port.Number is not { } number)
        {
            p.Error(FieldPaths.Field(portPath, "number"), "Required value: port number is required");
            return;
        }

        CommonRules.Port(number, FieldPaths.Field(portPath, "number"), p);
        Bind(bind, FieldPaths.Field(path, "bind"), p);
        if (!ports.Add(number))
        {
            p.Error(FieldPaths.Field(portPath, "number"), $"Duplicate value: {number}: sidecar: ports on IP bound listeners must be unique");
        }
    }

    private static void Ingress(IstioIngressListener ingress, string path, HashSet<uint> ports, FieldProblems p)
    {
        var portPath = FieldPaths.Field(path, "port");
        if (ingress.Port is not { } port)
        {
            p.Error(portPath, "Required value: sidecar: port is required for ingress listeners");
            return;
        }

        if (port.TargetPort is > 0)
        {
            p.Error(FieldPaths.Field(portPath, "targetPort"), "Invalid value: targetPort has no impact on Sidecars");
        }

        Protocol(port.Protocol, FieldPaths.Field(portPath, "protocol"), p);
        if (port.Number is not { } number)
        {
            p.Error(FieldPaths.Field(portPath, "number"), "Required value: port number is required");
        }
        else
        {
            CommonRules.Port(number, FieldPaths.Field(portPath, "number"), p);
            if (!ports.Add(number))
            {
                p.Error(FieldPaths.Field(portPath, "number"), $"Duplicate value: {number}: sidecar: ports on IP bound listeners must be unique");
            }
        }

        Bind(ingress.Bind, FieldPaths.Field(path, "bind"), p);
        if (ingress.DefaultEndpoint is { Length: > 0 } endpoint)
        {
            if (endpoint.StartsWith(UnixPrefix, StringComparison.Ordinal))
            {
                p.Warning(FieldPaths.Field(path, "defaultEndpoint"),
                    "has no effect in this mesh: Unix domain socket endpoints are not implemented; the listener forwards to the application at its own port");
            }
            else
            {
                DefaultEndpoint(endpoint, FieldPaths.Field(path, "defaultEndpoint"), p);
            }
        }

        DestinationRuleValidator.ConnectionPool(ingress.ConnectionPool, FieldPaths.Field(path, "connectionPool"), p);
    }

    /// <summary>127.0.0.1:port, 0.0.0.0:port, [::1]:port, [::]:port or :port.</summary>
    private static void DefaultEndpoint(string endpoint, string path, FieldProblems p)
    {
        var colon = endpoint.LastIndexOf(':');
        var host = colon < 0 ? endpoint : endpoint[..colon].Trim('[', ']');
        if (colon < 0 || host is not ("" or "127.0.0.1" or "0.0.0.0" or "::1" or "::"))
        {
            p.Error(path, $"Invalid value: \"{endpoint}\": sidecar: defaultEndpoint must be of form 127.0.0.1:<port>,0.0.0.0:<port>,[::1]:port,[::]:port,unix://filepath or unset");
            return;
        }

        if (!uint.TryParse(endpoint.AsSpan(colon + 1), out var port) || port is 0 or > 65535)
        {
            p.Error(path, $"Invalid value: \"{endpoint}\": sidecar: defaultEndpoint port is not a number between 1 and 65535");
        }
    }

    private static void Protocol(string protocol, string path, FieldProblems p)
    {
        if (!Protocols.IsKnown(protocol))
        {
            p.Error(path, $"Invalid value: \"{protocol}\": unrecognized protocol");
        }
    }

    private static void Bind(string? bind, string path, FieldProblems p)
    {
        if (bind is { Length: > 0 } && !CommonRules.IsIp(bind))
        {
            p.Error(path, $"Invalid value: \"{bind}\": bind must be an IP address");
        }
    }

    private static void OutboundTrafficPolicy(OutboundTrafficPolicy? policy, FieldProblems p)
    {
        if (policy?.EgressProxy is not { } egressProxy)
        {
            return;
        }

        const string path = "spec.outboundTrafficPolicy.egressProxy";
        if (policy.Mode != OutboundTrafficMode.AllowAny)
        {
            p.Error(path, "Invalid value: sidecar: egress_proxy must be set only with ALLOW_ANY outbound_traffic_policy mode");
            return;
        }

        if (egressProxy.Port is null)
        {
            p.Error(FieldPaths.Field(path, "port"), "Required value: sidecar: egress_proxy port must be non-nil");
            return;
        }

        VirtualServiceValidator.Destination(egressProxy, path, p);
    }
}
