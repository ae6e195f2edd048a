namespace Mesh.Telemetry.Tracing;

/// <summary>Which propagation format an incoming trace context was read from.</summary>
public enum TraceFormat
{
    None,
    B3Single,
    B3Multi,
    W3C,
}
