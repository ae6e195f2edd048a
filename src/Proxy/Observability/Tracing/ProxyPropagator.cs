using OpenTelemetry.Context.Propagation;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The proxy's trace propagation: the SDK's W3C <see cref="TraceContextPropagator"/>, then our <see cref="B3Propagator"/>
/// over it, so B3 wins when both are present (Envoy's precedence). W3C baggage is not composed in: the proxy passes the
/// <c>baggage</c> header on untouched, as Envoy does, where the SDK's BaggagePropagator would rewrite it (and drop
/// its properties).
/// </summary>
internal static class ProxyPropagator
{
    public static TextMapPropagator Create() => new CompositeTextMapPropagator([new TraceContextPropagator(), new B3Propagator()]);
}
