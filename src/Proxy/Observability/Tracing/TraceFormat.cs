namespace Mesh.Proxy.Observability.Tracing;

/// <summary>Which propagation format an incoming trace context was read from.</summary>
internal enum TraceFormat
{
    None,
    B3Single,
    B3Multi,
    W3C,
}
