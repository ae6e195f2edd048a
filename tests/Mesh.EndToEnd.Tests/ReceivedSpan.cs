using OpenTelemetry.Proto.Trace.V1;

namespace Mesh.EndToEnd.Tests;

/// <summary>One span as an OTLP receiver got it, with the service.name of its resource and its ids in hex.</summary>
internal sealed record ReceivedSpan(string Service, Span Span)
{
    public string TraceId => Convert.ToHexStringLower(Span.TraceId.Span);

    public string SpanId => Convert.ToHexStringLower(Span.SpanId.Span);

    /// <summary>Empty for a root span.</summary>
    public string ParentSpanId => Convert.ToHexStringLower(Span.ParentSpanId.Span);

    public string? Attribute(string key) => Span.Attributes.FirstOrDefault(a => a.Key == key)?.Value.StringValue;

    public override string ToString() => $"{Service} {Span.Kind} {Span.Name} trace={TraceId} span={SpanId} parent={ParentSpanId}";
}
