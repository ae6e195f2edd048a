namespace Mesh.Istio.Networking;

/// <summary>Faults injected into requests: delays and aborts.</summary>
public sealed record HttpFaultInjection
{
    public FaultDelay? Delay { get; init; }
    public FaultAbort? Abort { get; init; }
}
