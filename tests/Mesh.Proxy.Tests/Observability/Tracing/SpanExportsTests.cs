using System.Diagnostics;
using Mesh.Proxy.Model;
using Mesh.Proxy.Observability.Tracing;
using Mesh.Proxy.Tests.Infrastructure;

namespace Mesh.Proxy.Tests.Observability.Tracing;

/// <summary>Which source, so which collector, a listener's spans start from: the proxy's own, a provider's, or none.</summary>
public sealed class SpanExportsTests : IDisposable
{
    private readonly ActivitySource _own = new(ProxyActivitySource.Name);
    private readonly LogCapture _logs = new();
    private readonly List<TraceDestination> _attached = [];

    [Fact]
    public void For_NoProviderNamed_TheProxysOwnCollector_WhichMayBeNone()
    {
        using var exports = Exports(_own);
        using var withoutOwn = Exports(null);

        Assert.Same(_own, exports.For(null));
        Assert.Same(_own, exports.For(new ListenerTelemetryModel { SamplingPercent = 50 }));
        Assert.Null(withoutOwn.For(null));
        Assert.Empty(_attached);
    }

    [Fact]
    public void For_ProviderWithoutCollector_None_EvenWhenTheProxyHasItsOwn()
    {
        using var exports = Exports(_own);

        Assert.Null(exports.For(Naming("zipkin", null)));
        Assert.Empty(_attached);
    }

    [Fact]
    public void For_ProviderCollector_OneSourceEach_AttachedOnceAndKept()
    {
        using var exports = Exports(_own);
        var jaeger = Destination(4317);

        var first = exports.For(Naming("jaeger", jaeger));
        var again = exports.For(Naming("jaeger-again", jaeger));
        var other = exports.For(Naming("otel", Destination(4318)));

        Assert.NotNull(first);
        Assert.Same(first, again);
        Assert.NotSame(first, other);
        Assert.NotSame(_own, first);
        Assert.Equal(ProxyActivitySource.Name, first!.Name);
        Assert.Equal([jaeger, Destination(4318)], _attached);
        Assert.Equal(2, _logs.Lines.Count(l => l.EventId == 403));
    }

    [Fact]
    public void For_HttpCollectorsWithEqualOrOtherHeaders_SharedWhenEqual_LoggedWithTheHeaderNamesOnly()
    {
        using var exports = Exports(_own);
        var endpoint = new Uri("http://127.0.0.1:4318/v1/traces");
        TraceDestination With(string key) => new(endpoint, OverHttp: true, new OtlpHttpOptions(TimeSpan.FromSeconds(3), [("x-api-key", key)]));

        var first = exports.For(Naming("saas", With("k1")));
        var equal = exports.For(Naming("saas-again", With("k1")));
        var rotated = exports.For(Naming("saas", With("k2")));

        Assert.Same(first, equal);
        Assert.NotSame(first, rotated);
        var added = _logs.Lines.Where(l => l.EventId == 403).Select(l => l.Message).ToList();
        Assert.Equal(2, added.Count);
        Assert.All(added, message => Assert.Contains("(http/protobuf, headers x-api-key, timeout 3s)", message, StringComparison.Ordinal));
        Assert.DoesNotContain(added, message => message.Contains("k1", StringComparison.Ordinal));
    }

    [Fact]
    public void For_PastTheLimit_NotReportedWithOneWarning()
    {
        using var exports = Exports(_own);
        for (var i = 0; i < SpanExports.MaxCollectors; i++)
        {
            Assert.NotNull(exports.For(Naming("p", Destination(5000 + i))));
        }

        Assert.Null(exports.For(Naming("p", Destination(6000))));
        Assert.Null(exports.For(Naming("p", Destination(6001))));
        Assert.Null(exports.For(Naming("p", Destination(6000))));

        Assert.Equal(SpanExports.MaxCollectors, _attached.Count);
        Assert.Single(_logs.Lines, l => l.EventId == 404);
    }

    public void Dispose() => _own.Dispose();

    private SpanExports Exports(ActivitySource? own) => new(own, (destination, _) => _attached.Add(destination), _logs.CreateLogger("exports"));

    private static ListenerTelemetryModel Naming(string name, TraceDestination? destination) => new() { TraceProvider = new TraceProviderModel(name, destination) };

    private static TraceDestination Destination(int port) => new(new Uri($"http://127.0.0.1:{port}"), OverHttp: false);
}
