using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's validateVirtualService: hosts, gateways, and the HTTP, TLS and TCP routes.</summary>
internal static class VirtualServiceValidator
{
    public static void Validate(VirtualServiceSpec spec, FieldProblems p)
    {
        // A delegate VirtualService (referenced from another's route) has no hosts.
        var isDelegate = spec.Hosts.Count == 0;
        var appliesToMesh = spec.Gateways.Count == 0;
        if (isDelegate)
        {
            // Istio: a delegate takes its root's hosts and gateways, and only HTTP routes are delegated.
            if (spec.Gateways.Count > 0)
            {
                p.Error("spec.gateways", "delegate virtual service must have no gateways specified");
            }

            if (spec.Tls.Count > 0)
            {
                p.Error("spec.tls", "delegate virtual service must have no tls route specified");
            }

            if (spec.Tcp.Count > 0)
            {
                p.Error("spec.tcp", "delegate virtual service must have no tcp route specified");
            }
        }

        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            var path = FieldPaths.Index("spec.hosts", i);
            if (CommonRules.IsIp(host))
            {
                continue;
            }

            if (IstioNameRules.CheckWildcardDomain(host) is { } error)
            {
                p.Error(path, $"Invalid value: \"{host}\": {error}");
            }
        }

        for (var i = 0; i < spec.Gateways.Count; i++)
        {
            var gateway = spec.Gateways[i];
            appliesToMesh |= gateway == "mesh";
            GatewayName(gateway, FieldPaths.Index("spec.gateways", i), p);
        }

        if (appliesToMesh && !isDelegate)
        {
            for (var i = 0; i < spec.Hosts.Count; i++)
            {
                if (spec.Hosts[i] == "*")
                {
                    // Istio's webhook rejects this; istioctl analyze test data applies it, so it loads with a warning.
                    p.Warning(FieldPaths.Index("spec.hosts", i), "wildcard host * is not allowed for virtual services bound to the mesh gateway; sidecars ignore it");
                }
            }
        }

        if (spec.Http.Count == 0 && spec.Tls.Count == 0 && spec.Tcp.Count == 0)
        {
            // Schema-valid (istioctl analyze test data has such objects) but routes nothing.
            p.Warning("spec", "http, tcp or tls must be provided in virtual service; it routes nothing");
        }

        for (var i = 0; i < spec.Http.Count; i++)
        {
            HttpRouteValidator.Validate(spec.Http[i], isDelegate, FieldPaths.Index("spec.http", i), p);
        }

        for (var i = 0; i < spec.Tls.Count; i++)
        {
            var route = spec.Tls[i];
            var path = FieldPaths.Index("spec.tls", i);
            if (route.Match.Count == 0)
            {
                p.Error(FieldPaths.Field(path, "match"), "Required value: TLS route must have at least one match condition");
            }

            for (var m = 0; m < route.Match.Count; m++)
            {
                var match = route.Match[m];
                var matchPath = FieldPaths.Index(FieldPaths.Field(path, "match"), m);
                if (match.SniHosts.Count == 0)
                {
                    p.Error(FieldPaths.Field(matchPath, "sniHosts"), "Required value: TLS match must have at least one SNI host");
                }

                L4Match(match.DestinationSubnets, match.Port, match.SourceLabels, match.Gateways, matchPath, p);
            }

            RouteDestinations(route.Route, FieldPaths.Field(path, "route"), p);
        }

        for (var i = 0; i < spec.Tcp.Count; i++)
        {
            var route = spec.Tcp[i];
            var path = FieldPaths.Index("spec.tcp", i);
            for (var m = 0; m < route.Match.Count; m++)
            {
                var match = route.Match[m];
                L4Match(match.DestinationSubnets, match.Port, match.SourceLabels, match.Gateways, FieldPaths.Index(FieldPaths.Field(path, "match"), m), p);
            }

            RouteDestinations(route.Route, FieldPaths.Field(path, "route"), p);
        }

        CommonRules.ExportTo(spec.ExportTo, "spec.exportTo", p);
    }

    /// <summary>"mesh", or a Gateway named "name" or "namespace/name".</summary>
    public static void GatewayName(string gateway, string path, FieldProblems p)
    {
        if (gateway == "mesh")
        {
            return;
        }

        var slash = gateway.IndexOf('/');
        var valid = slash < 0
            ? IstioNameRules.IsDns1123Subdomain(gateway)
            : IstioNameRules.IsDns1123Label(gateway[..slash]) && IstioNameRules.IsDns1123Subdomain(gateway[(slash + 1)..]);
        if (!valid)
        {
            p.Error(path, $"Invalid value: \"{gateway}\": invalid gateway name; must be \"mesh\", <name> or <namespace>/<name>");
        }
    }

    public static void Destination(Destination? destination, string path, FieldProblems p)
    {
        if (destination is null)
        {
            // Schema-valid (istioctl analyze reports it as a missing host); the control plane skips such entries.
            p.Warning(path, "destination is missing; this entry receives no traffic");
            return;
        }

        if (destination.Host.Length == 0)
        {
            p.Error(FieldPaths.Field(path, "host"), "Required value: destination host is required");
        }
        else if (destination.Host == "*" || IstioNameRules.CheckWildcardDomain(destination.Host) is not null)
        {
            p.Error(FieldPaths.Field(path, "host"), $"Invalid value: \"{destination.Host}\": {IstioNameRules.CheckWildcardDomain(destination.Host) ?? "destination host cannot be a wildcard"}");
        }

        if (destination.Subset is { } subset && !IstioNameRules.IsDns1123Label(subset))
        {
            p.Error(FieldPaths.Field(path, "subset"), $"Invalid value: \"{subset}\": subset name is invalid: {IstioNameRules.Dns1123LabelMessage}");
        }

        CommonRules.Port(destination.Port?.Number, FieldPaths.Field(path, "port.number"), p);
    }

    public static void Weight(int weight, string path, FieldProblems p)
    {
        if (weight is < 0 or > 100)
        {
            p.Error(path, $"Invalid value: {weight}: weight must be between 0 and 100");
        }
    }

    private static void RouteDestinations(IReadOnlyList<RouteDestination> route, string path, FieldProblems p)
    {
        if (route.Count == 0)
        {
            p.Error(path, "Required value: route is required");
        }

        for (var i = 0; i < route.Count; i++)
        {
            var item = FieldPaths.Index(path, i);
            Destination(route[i].Destination, FieldPaths.Field(item, "destination"), p);
            Weight(route[i].Weight, FieldPaths.Field(item, "weight"), p);
        }
    }

    private static void L4Match(IReadOnlyList<string> subnets, uint? port, IReadOnlyDictionary<string, string> sourceLabels, IReadOnlyList<string> gateways, string path, FieldProblems p)
    {
        for (var i = 0; i < subnets.Count; i++)
        {
            if (!CommonRules.IsIpOrCidr(subnets[i]))
            {
                p.Error(FieldPaths.Index(FieldPaths.Field(path, "destinationSubnets"), i), $"Invalid value: \"{subnets[i]}\": must be an IP address or CIDR");
            }
        }

        CommonRules.Port(port, FieldPaths.Field(path, "port"), p);
        CommonRules.Labels(sourceLabels, FieldPaths.Field(path, "sourceLabels"), p);
        for (var i = 0; i < gateways.Count; i++)
        {
            GatewayName(gateways[i], FieldPaths.Index(FieldPaths.Field(path, "gateways"), i), p);
        }
    }
}
