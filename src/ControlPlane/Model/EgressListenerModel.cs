namespace Mesh.ControlPlane.Model;

/// <summary>One egress listener of a Sidecar: the hosts it imports and, when it has one, the only port of theirs it serves.</summary>
internal sealed record EgressListenerModel(uint? Port, IReadOnlyList<EgressHost> Hosts)
{
    /// <summary>Istio's default listener when a Sidecar has none: every namespace, every host, every port.</summary>
    public static EgressListenerModel Everything { get; } = new(null, [new EgressHost("*", "*")]);

    public bool Imports(string configNamespace, string host, string proxyNamespace)
    {
        foreach (var egressHost in Hosts)
        {
            if (egressHost.Matches(configNamespace, host, proxyNamespace)) return true;
        }
        return false;
    }
}
