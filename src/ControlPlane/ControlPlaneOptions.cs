using System.Net;

namespace Mesh.ControlPlane;

/// <summary>The control plane's settings, as the command line gives them.</summary>
internal sealed record ControlPlaneOptions
{
    public required string ConfigDirectory { get; init; }
    public IPAddress ListenAddress { get; init; } = IPAddress.Loopback;

    /// <summary>The discovery (gRPC, HTTP/2 only) port; 0 picks a free one.</summary>
    public int GrpcPort { get; init; } = 15010;

    /// <summary>The debug and readiness (HTTP/1.1) port; 0 picks a free one.</summary>
    public int HttpPort { get; init; } = 15014;

    /// <summary>How long config must stay quiet before a push.</summary>
    public TimeSpan Debounce { get; init; } = TimeSpan.FromMilliseconds(100);

    /// <summary>The longest a push waits while config keeps changing.</summary>
    public TimeSpan MaxDebounce { get; init; } = TimeSpan.FromSeconds(1);

    /// <summary>How long a changed file must stay unchanged before it is read.</summary>
    public TimeSpan FileSettle { get; init; } = TimeSpan.FromMilliseconds(50);
}
