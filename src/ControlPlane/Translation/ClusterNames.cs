namespace Mesh.ControlPlane.Translation;

/// <summary>Istio's cluster names: <c>outbound|port|subset|fqdn</c> and <c>inbound|port||</c>.</summary>
internal static class ClusterNames
{
    public static string Outbound(uint port, string? subset, string hostname) => $"outbound|{port}|{subset}|{hostname}";

    public static string Inbound(uint port) => $"inbound|{port}||";
}
