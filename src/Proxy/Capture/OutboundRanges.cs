namespace Mesh.Proxy.Capture;

/// <summary>Outbound ranges by family: a wildcard, or CIDRs (written as Istio writes them), and whether any is loopback.</summary>
internal sealed record OutboundRanges(bool Wildcard, IReadOnlyList<string> V4, IReadOnlyList<string> V6, bool V4HasLoopback, bool V6HasLoopback);
