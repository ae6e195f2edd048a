using System.Text.RegularExpressions;
using Mesh.Istio.Loading;
using Mesh.Istio.Networking;

namespace Mesh.Istio.Validation;

/// <summary>Istio's ValidateWorkloadEntry: address (IP, host name or unix socket), ports and labels.</summary>
internal static partial class WorkloadEntryValidator
{
    private const string UnixPrefix = "unix://";

    public static void Validate(WorkloadEntrySpec spec, FieldProblems p)
    {
        var address = spec.Address ?? "";
        if (address.Length == 0)
        {
            // A workload on another network is reached through that network's gateway and may have no address.
            if (spec.Network is null)
            {
                p.Error("spec.address", "Required value: Address is required");
            }
        }
        else if (address.StartsWith(UnixPrefix, StringComparison.Ordinal))
        {
            var socket = address[UnixPrefix.Length..];
            if (socket.Length == 0 || socket[0] is not ('/' or '@'))
            {
                p.Error("spec.address", $"Invalid value: \"{address}\": UDS must be an absolute path or abstract socket");
            }
            else if (socket.EndsWith('/'))
            {
                p.Error("spec.address", $"Invalid value: \"{address}\": UDS may not be a dir");
            }

            if (spec.Ports.Count > 0)
            {
                p.Error("spec.ports", "Invalid value: UDS may not include ports");
            }
        }
        else if (!CommonRules.IsIp(address) && IstioNameRules.CheckWildcardDomain(address) is { } error)
        {
            p.Error("spec.address", $"Invalid value: \"{address}\": {error}");
        }

        foreach (var (name, port) in spec.Ports)
        {
            if (name.Length > 63 || !PortName().IsMatch(name))
            {
                p.Error("spec.ports", $"Invalid value: \"{name}\": port name must be valid DNS label");
            }

            CommonRules.Port(port, FieldPaths.Key("spec.ports", name), p);
        }

        CommonRules.Labels(spec.Labels, "spec.labels", p);
        if (spec.ServiceAccount is { } account && !IstioNameRules.IsDns1123Subdomain(account))
        {
            p.Error("spec.serviceAccount", $"Invalid value: \"{account}\": {IstioNameRules.Dns1123SubdomainMessage}");
        }
    }

    [GeneratedRegex("^[a-zA-Z0-9](?:[-a-zA-Z0-9]*[a-zA-Z0-9])?$")]
    private static partial Regex PortName();
}
