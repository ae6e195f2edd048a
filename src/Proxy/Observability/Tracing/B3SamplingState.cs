namespace Mesh.Proxy.Observability.Tracing;

/// <summary>The four sampling states of B3: the caller defers the decision, denies, accepts, or asks for debug (an accept).</summary>
internal enum B3SamplingState
{
    Defer,
    Deny,
    Accept,
    Debug,
}
