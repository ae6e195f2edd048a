using System.Security.Cryptography;
using System.Text;
using Mesh.ControlPlane.Model;

namespace Mesh.ControlPlane.Kubernetes;

/// <summary>
/// The content hash of a registry key: everything the model takes from a Service or a Pod, written in a fixed order
/// (dictionaries by key), so equal content always hashes the same and any change the model could see changes the hash.
/// </summary>
internal static class RegistryHash
{
    public static string Of(ServiceModel service)
    {
        var text = new StringBuilder();
        Field(text, service.Hostname);
        Field(text, service.Namespace);
        Field(text, service.ServiceEntryName);
        Field(text, service.Resolution.ToString());
        Field(text, service.Location.ToString());
        foreach (var target in service.ExportTo) Field(text, target);
        text.Append('|');
        foreach (var address in service.Addresses) Field(text, address);
        text.Append('|');
        Sorted(text, service.Selector);
        Field(text, service.CreationTime?.ToString("O") ?? "");
        foreach (var port in service.Ports)
        {
            Field(text, port.Name);
            Field(text, port.Number.ToString());
            Field(text, port.Protocol);
            Field(text, port.TargetPort?.ToString() ?? "");
            Field(text, port.TargetPortName);
        }
        foreach (var workload in service.Workloads) Write(text, workload);
        return Digest(text);
    }

    public static string Of(WorkloadModel workload)
    {
        var text = new StringBuilder();
        Write(text, workload);
        return Digest(text);
    }

    private static void Write(StringBuilder text, WorkloadModel workload)
    {
        text.Append('{');
        Field(text, workload.Name);
        Field(text, workload.Namespace);
        Field(text, workload.Address);
        Field(text, workload.ServiceAccount);
        Field(text, workload.Weight.ToString());
        Field(text, workload.Locality);
        Field(text, workload.TelemetryName);
        Field(text, workload.IsInlineEndpoint ? "inline" : "");
        var ports = new List<KeyValuePair<string, uint>>(workload.Ports);
        ports.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (name, port) in ports) Field(text, name + "=" + port);
        Sorted(text, workload.Labels);
        text.Append('|');
        var containerPorts = new List<KeyValuePair<string, uint>>(workload.ContainerPorts);
        containerPorts.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (name, port) in containerPorts) Field(text, name + "=" + port);
        text.Append('}');
    }

    private static void Sorted(StringBuilder text, IReadOnlyDictionary<string, string> labels)
    {
        var sorted = new List<KeyValuePair<string, string>>(labels);
        sorted.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
        foreach (var (key, value) in sorted) Field(text, key + "=" + value);
        text.Append('|');
    }

    /// <summary>Each value length-prefixed, so no value can pass for two.</summary>
    private static void Field(StringBuilder text, string value) => text.Append(value.Length).Append(':').Append(value).Append(';');

    private static string Digest(StringBuilder text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text.ToString())))[..32];
}
