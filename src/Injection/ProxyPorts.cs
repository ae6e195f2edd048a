namespace Mesh.Injection;

/// <summary>The proxy's fixed ports and user, as Istio's sidecar has them (the capture rules and the probes depend on them).</summary>
internal static class ProxyPorts
{
    public const int Outbound = 15001;
    public const int Admin = 15000;
    public const int Inbound = 15006;
    public const int Status = 15020;
    public const int Readiness = 15021;
    public const int Metrics = 15090;

    /// <summary>The proxy's uid and gid: the capture rules let its own traffic out uncaptured.</summary>
    public const int ProxyUid = 1337;
}
