using System.Diagnostics;

namespace Mesh.Proxy.Observability.Tracing;

/// <summary>
/// The <see cref="ActivitySource"/> of one proxy instance. Every proxy's source is named <see cref="Name"/> (the
/// instrumentation scope Jaeger shows), so in a process that runs several proxies (the tests) every TracerProvider
/// hears every proxy's spans; each proxy's <see cref="ProxySpanProcessor"/> keeps only those of its own instance.
/// </summary>
internal sealed class ProxyActivitySource : IDisposable
{
    public const string Name = "Mesh.Proxy";

    public static readonly string? Version = typeof(ProxyActivitySource).Assembly.GetName().Version?.ToString();

    public ActivitySource Source { get; } = new(Name, Version);

    public void Dispose() => Source.Dispose();
}
