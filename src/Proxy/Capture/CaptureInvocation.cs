namespace Mesh.Proxy.Capture;

/// <summary>One run of <c>mesh-proxy iptables</c>: the capture wanted and what to do with it.</summary>
/// <param name="Config">The rules' configuration (IPv6 still off: the command turns it on from the pod's addresses).</param>
/// <param name="DryRun">Print the payload, change nothing (-n, --dry-run).</param>
/// <param name="CleanupOnly">Remove the capture instead of installing it (--cleanup-only, or --cleanup).</param>
/// <param name="DualStack">IPv6 rules too whenever the pod has an IPv6 address (--dual-stack).</param>
/// <param name="ForceBackend">"legacy" or "nft" to skip the backend detection (--force-iptables-binary); null to detect.</param>
internal sealed record CaptureInvocation(CaptureConfig Config, bool DryRun, bool CleanupOnly, bool DualStack, string? ForceBackend);
