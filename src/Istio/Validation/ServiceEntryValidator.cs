using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's ValidateServiceEntry: hosts, addresses and their resolution, ports, endpoints versus workloadSelector.</summary>
internal static class ServiceEntryValidator
{
    /// <summary>A CIDR wider than one address (a /32 or /128 prefix is one address).</summary>
    private static bool IsRange(string address)
    {
        var slash = address.IndexOf('/');
        return slash >= 0 && address.AsSpan(slash + 1) is var prefix && !prefix.SequenceEqual(address.Contains(':') ? "128" : "32");
    }

    public static void Validate(ServiceEntrySpec spec, FieldProblems p)
    {
        if (spec.Hosts.Count == 0)
        {
            p.Error("spec.hosts", "Required value: service entry must have at least one host");
        }

        for (var i = 0; i < spec.Hosts.Count; i++)
        {
            var host = spec.Hosts[i];
            var path = FieldPaths.Index("spec.hosts", i);
            if (host == "*")
            {
                p.Error(path, "Invalid value: \"*\": hostname cannot be wildcard");
            }
            else if (IstioNameRules.CheckWildcardDomain(host) is { } error)
            {
                p.Error(path, $"Invalid value: \"{host}\": {error}");
            }
        }

        var resolution = spec.Resolution ?? ServiceEntryResolution.None;
        for (var i = 0; i < spec.Addresses.Count; i++)
        {
            var address = spec.Addresses[i];
            var path = FieldPaths.Index("spec.addresses", i);
            if (!CommonRules.IsIpOrCidr(address))
            {
                p.Error(path, $"Invalid value: \"{address}\": invalid address; must be an IP address or CIDR");
            }
            else if (address.Contains('/') && resolution is not (ServiceEntryResolution.None or ServiceEntryResolution.Static))
            {
                p.Error(path, $"Invalid value: \"{address}\": CIDR addresses are allowed only for NONE/STATIC resolution types");
            }
            else if (IsRange(address))
            {
                p.Warning(path, $"has no effect in this mesh for \"{address}\": captured sidecars recognise single service addresses only; "
                    + "connections to the range follow outboundTrafficPolicy");
            }
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        var numbers = new HashSet<uint>();
        for (var i = 0; i < spec.Ports.Count; i++)
        {
            var port = spec.Ports[i];
            var path = FieldPaths.Index("spec.ports", i);
            if (port.Name.Length > 0 && !names.Add(port.Name))
            {
                p.Error(FieldPaths.Field(path, "name"), $"Duplicate value: \"{port.Name}\"");
            }

            if (port.Number is not { } number)
            {
                p.Error(FieldPaths.Field(path, "number"), "Required value: port number is required");
            }
            else if (!numbers.Add(number))
            {
                p.Error(FieldPaths.Field(path, "number"), $"Invalid value: {number}: port number cannot be duplicated");
            }

            CommonRules.Port(port.Number, FieldPaths.Field(path, "number"), p);
            CommonRules.Port(port.TargetPort, FieldPaths.Field(path, "targetPort"), p);
            if (port.Protocol is { } protocol && !Protocols.IsKnown(protocol))
            {
                p.Error(FieldPaths.Field(path, "protocol"), $"Invalid value: \"{protocol}\": unrecognized protocol");
            }
        }

        if (spec.WorkloadSelector is { } selector)
        {
            if (spec.Endpoints.Count > 0)
            {
                p.Error("spec", "Invalid value: only one of WorkloadSelector or Endpoints can be set");
            }

            CommonRules.Selector(selector.Labels, "spec.workloadSelector.labels", p);
        }

        Endpoints(spec, resolution, names, p);
        CommonRules.ExportTo(spec.ExportTo, "spec.exportTo", p);
    }

    private static void Endpoints(ServiceEntrySpec spec, ServiceEntryResolution resolution, HashSet<string> portNames, FieldProblems p)
    {
        if (resolution == ServiceEntryResolution.None && spec.Endpoints.Count > 0)
        {
            p.Error("spec.endpoints", "Invalid value: NONE mode cannot set endpoints");
        }

        if (resolution == ServiceEntryResolution.DnsRoundRobin && spec.Endpoints.Count > 1)
        {
            p.Error("spec.endpoints", $"Invalid value: DNS_ROUND_ROBIN mode cannot have multiple endpoints (has {spec.Endpoints.Count})");
        }

        for (var i = 0; i < spec.Endpoints.Count; i++)
        {
            var endpoint = spec.Endpoints[i];
            var path = FieldPaths.Index("spec.endpoints", i);
            var address = endpoint.Address ?? "";
            if (resolution == ServiceEntryResolution.Static && !address.StartsWith("unix://", StringComparison.Ordinal) && !CommonRules.IsIp(address) && endpoint.Network is null)
            {
                p.Error(FieldPaths.Field(path, "address"), $"Invalid value: \"{address}\": endpoint address is not a valid IP address (STATIC resolution)");
            }
            else if (resolution is ServiceEntryResolution.Dns or ServiceEntryResolution.DnsRoundRobin && !CommonRules.IsIp(address) && IstioNameRules.CheckWildcardDomain(address) is { } error)
            {
                p.Error(FieldPaths.Field(path, "address"), $"Invalid value: \"{address}\": {error}");
            }

            foreach (var (name, port) in endpoint.Ports)
            {
                var portPath = FieldPaths.Key(FieldPaths.Field(path, "ports"), name);
                CommonRules.Port(port, portPath, p);
                if (portNames.Count > 0 && !portNames.Contains(name))
                {
                    p.Error(portPath, $"Invalid value: endpoint port {name} is not defined by the service entry");
                }
            }

            CommonRules.Labels(endpoint.Labels, FieldPaths.Field(path, "labels"), p);
        }
    }
}
