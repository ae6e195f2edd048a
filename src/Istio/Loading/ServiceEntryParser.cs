using Mesh.Istio.Networking;
using Mesh.Istio.Security;

namespace Mesh.Istio.Loading;

/// <summary>Maps YAML nodes of ServiceEntry fields onto the model, one method per Istio message; the reader records type errors and unknown fields.</summary>
internal static class ServiceEntryParser
{
    internal static ServiceEntrySpec ParseServiceEntrySpec(YamlMappingReader r) => new()
    {
        Hosts = r.Strings("hosts"),
        Addresses = r.Strings("addresses"),
        Ports = r.List("ports", ParseServicePort),
        Location = r.Enum("location", IstioEnumNames.ParseServiceEntryLocation, IstioEnumNames.ServiceEntryLocationValues),
        Resolution = r.Enum("resolution", IstioEnumNames.ParseServiceEntryResolution, IstioEnumNames.ServiceEntryResolutionValues),
        Endpoints = r.List("endpoints", ParseWorkloadEntrySpec),
        WorkloadSelector = r.Object("workloadSelector", ParseWorkloadSelector),
        ExportTo = r.Strings("exportTo"),
        SubjectAltNames = r.Strings("subjectAltNames"),
    };

    internal static ServicePort ParseServicePort(YamlMappingReader r) => new()
    {
        Number = r.UInt32("number"),
        Protocol = r.String("protocol"),
        Name = r.String("name") ?? "",
        TargetPort = r.UInt32("targetPort"),
    };

    internal static WorkloadSelector ParseWorkloadSelector(YamlMappingReader r) => new()
    {
        Labels = r.StringMap("labels"),
    };

    internal static WorkloadEntrySpec ParseWorkloadEntrySpec(YamlMappingReader r) => new()
    {
        Address = r.String("address"),
        Ports = r.UInt32Map("ports"),
        Labels = r.StringMap("labels"),
        Network = r.String("network"),
        Locality = r.String("locality"),
        Weight = r.UInt32("weight"),
        ServiceAccount = r.String("serviceAccount"),
    };
}
