namespace Mesh.Proxy.Model;

/// <summary>Why an attempt produced no upstream response.</summary>
internal enum UpstreamFailure
{
    None,
    ConnectFailure,
    Reset,
    RefusedStream,
    PerTryTimeout,
}
